package serve

import (
	"net/http"
	"strings"

	"github.com/latm/latm/tool"
)

// savingsView is GET /v1/savings: the gateway's sums for one tenant or
// all, and for the operator the tenants there are.
type savingsView struct {
	tool.GatewaySavings
	Tenants []string `json:"tenants,omitempty"`
}

// savingsFor reads the savings the caller asked for: a tenant its own
// (asking for another's is refused), the operator every tenant's or, with
// ?tenant=, one's.
func (s *Server) savingsFor(r *http.Request) (*savingsView, int, error) {
	c := s.callerOf(r)
	want := r.URL.Query().Get("tenant")
	switch {
	case len(want) > 64 || strings.ContainsAny(want, "\x00\r\n"):
		return nil, http.StatusBadRequest, badInput("tenant", "must be a token name (1 to 64 characters)")
	case !c.operator && want != "" && want != c.tenant:
		return nil, http.StatusForbidden, badInput("tenant", "a tenant sees only its own savings; leave tenant out")
	case !c.operator:
		want = c.tenant
	}
	v := &savingsView{GatewaySavings: tool.GatewaySavings{Tenant: want, ByServed: map[string]int{}, Daily: []tool.GatewayDay{}}}
	g := s.gatewayRecords()
	if g == nil {
		return v, http.StatusOK, nil
	}
	sum, err := g.GatewaySavings(r.Context(), want)
	if err != nil {
		return nil, http.StatusInternalServerError, err
	}
	v.GatewaySavings = sum
	if c.operator && want == "" {
		if v.Tenants, err = g.GatewayTenants(r.Context()); err != nil {
			return nil, http.StatusInternalServerError, err
		}
	}
	return v, http.StatusOK, nil
}

func (s *Server) savings(w http.ResponseWriter, r *http.Request) {
	v, status, err := s.savingsFor(r)
	switch {
	case status == http.StatusForbidden:
		writeError(w, status, codeForbidden, "tenant", err.Error())
	case err != nil:
		s.fail(w, r, err)
	default:
		writeJSON(w, http.StatusOK, v)
	}
}
