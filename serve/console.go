package serve

func (s *Server) consoleRoutes() {}
