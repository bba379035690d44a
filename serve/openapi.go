package serve

import (
	_ "embed"
	"net/http"
)

// openapiSpec is the API's description, OpenAPI 3.1; docs/api.md is its
// prose companion. A test checks that every route is in it.
//
//go:embed openapi.json
var openapiSpec []byte

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openapiSpec)
}
