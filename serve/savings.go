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

// gatewayChart is the console's view of the gateway's savings: the
// caller's own (every tenant's for the operator), per day.
type gatewayChart struct {
	tool.GatewaySavings
	Days    []gatewayBar
	Tenants []tool.GatewaySavings // for the operator's all-tenant view: each tenant's sums
}

// gatewayBar is one day: requests by tool and upstream (stacked), and
// what upstream alone would have cost against what was spent.
type gatewayBar struct {
	tool.GatewayDay
	Upstream         int
	X                int
	ToolH, UpstreamH int // request bar heights in pixels
	WouldH, SpentH   int // cost bar heights in pixels
	WouldX, SpentX   int
}

// gatewayChart reads the caller's savings for the console; nil when the
// gateway has answered nothing.
func (s *Server) gatewayChart(r *http.Request) (*gatewayChart, error) {
	v, _, err := s.savingsFor(r)
	if err != nil {
		return nil, err
	}
	if v.Requests == 0 {
		return nil, nil
	}
	g := &gatewayChart{GatewaySavings: v.GatewaySavings}
	for _, tn := range v.Tenants {
		ts, err := s.gatewayRecords().GatewaySavings(r.Context(), tn)
		if err != nil {
			return nil, err
		}
		g.Tenants = append(g.Tenants, ts)
	}
	days := v.Daily
	if len(days) > 30 {
		days = days[len(days)-30:]
	}
	maxReq, maxCost := 0, 0.0
	for _, d := range days {
		maxReq = max(maxReq, d.Requests)
		maxCost = max(maxCost, d.WouldHaveCost, d.Spent)
	}
	for i, d := range days {
		b := gatewayBar{GatewayDay: d, Upstream: d.Requests - d.ByTool, X: 10 + i*24}
		b.WouldX, b.SpentX = b.X, b.X+9
		if maxReq > 0 {
			b.ToolH = d.ByTool * chartHeight / maxReq
			b.UpstreamH = b.Upstream * chartHeight / maxReq
		}
		if maxCost > 0 {
			b.WouldH = int(d.WouldHaveCost / maxCost * chartHeight)
			b.SpentH = int(d.Spent / maxCost * chartHeight)
		}
		g.Days = append(g.Days, b)
	}
	return g, nil
}
