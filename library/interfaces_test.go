package library_test

import (
	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/library"
	"github.com/latm/latm/user"
)

// The store is what the dispatcher, the router and the solver are given.
var (
	_ dispatch.Store      = (*library.Store)(nil)
	_ dispatch.RouteStore = (*library.Store)(nil)
	_ user.Recorder       = (*library.Store)(nil)
	_ user.ShadowStore    = (*library.Store)(nil)
)
