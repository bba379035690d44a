package serve

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/latm/latm/gateway"
)

// NewGateway wires the OpenAI-compatible endpoint to l's library, solver
// and maker. Phases and request records go to the library when it keeps
// them (it implements gateway.Store), else to memory.
func NewGateway(cfg gateway.Config, l *Local, log *slog.Logger) (*gateway.Gateway, error) {
	var gs gateway.Store
	if s, ok := any(l.Store).(gateway.Store); ok {
		gs = s
	} else {
		gs = gateway.NewMemStore()
	}
	return gateway.New(cfg, gateway.Deps{Store: gs, Pool: l.Store, Solver: l.Solver, Maker: l.Maker, Logger: log})
}

// gatewayRoutes mounts the gateway behind the server's tokens, rate
// limits and body bound.
func (s *Server) gatewayRoutes() {
	gw := s.opts.Gateway
	if gw == nil {
		return
	}
	// Chat requests carry whole conversations: they get the batch body
	// bound, so that what upstream accepts passes through latm too.
	s.mux.Handle("POST /v1/chat/completions", s.guard(s.gatewayClient(gw.Chat), s.opts.MaxBatchBody))
	s.mux.Handle("GET /v1/models", s.guard(http.HandlerFunc(gw.Models), s.opts.MaxBody))
}

// gatewayClient tells the gateway who is asking: the tenant is the latm
// token's name, and the Authorization header is the client's upstream
// credential unless it carried that token.
func (s *Server) gatewayClient(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := gateway.Client{ForwardAuth: true}
		if info, ok := r.Context().Value(infoKey).(*reqInfo); ok {
			if name, ok := strings.CutPrefix(info.who, "token:"); ok {
				c.Tenant = name
				c.ForwardAuth = r.Header.Get(TokenHeader) != ""
			}
		}
		h(w, r.WithContext(gateway.WithClient(r.Context(), c)))
	})
}
