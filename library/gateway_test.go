package library_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latm/latm/gateway"
	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

// The store is what the gateway keeps its phases and request records in.
var _ gateway.Store = (*library.Store)(nil)

func openStore(t testing.TB) *library.Store {
	t.Helper()
	s, err := library.Open(filepath.Join(t.TempDir(), "latm.db"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func day(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }

func TestPhaseChangesOrderAndCurrentPhase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	if p, err := s.ToolPhase(ctx, "sums", 1); err != nil || p != "" {
		t.Fatalf("phase of a tool never phased = %q, %v; want \"\"", p, err)
	}
	steps := []tool.PhaseChange{
		{Tool: "sums", Version: 1, Tenant: "acme", To: tool.PhaseShadow, Reason: "made from 5 labels", At: day(1, 10)},
		{Tool: "sums", Version: 1, Tenant: "acme", From: tool.PhaseShadow, To: tool.PhaseLive, Agreed: 19, Compared: 20, Reason: "19 of 20 agreed (95% >= 95%)", At: day(1, 12)},
		{Tool: "sums", Version: 2, Tenant: "acme", To: tool.PhaseShadow, Reason: "remade", At: day(2, 9)},
		{Tool: "sums", Version: 1, Tenant: "acme", From: tool.PhaseLive, To: tool.PhaseShadow, Agreed: 15, Compared: 20, Reason: "spot checks: 15 of 20 agreed (75% < 95%)", At: day(3, 8)},
		{Tool: "other", Version: 1, To: tool.PhaseShadow, Reason: "x", At: day(1, 11)},
	}
	for i, c := range steps {
		if err := s.RecordPhaseChange(ctx, c); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	for _, c := range []struct {
		version int
		want    tool.Phase
	}{{1, tool.PhaseShadow}, {2, tool.PhaseShadow}, {3, ""}} {
		if got, err := s.ToolPhase(ctx, "sums", c.version); err != nil || got != c.want {
			t.Errorf("phase of sums@%d = %q, %v; want %q", c.version, got, err, c.want)
		}
	}
	got, err := s.PhaseChanges(ctx, "sums")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("changes of sums = %d, want 4 (other's are not its): %+v", len(got), got)
	}
	for i, want := range []int{0, 1, 2, 3} {
		w := steps[want]
		g := got[i]
		if g.Version != w.Version || g.From != w.From || g.To != w.To || g.Agreed != w.Agreed || g.Compared != w.Compared ||
			g.Reason != w.Reason || g.Tenant != w.Tenant || !g.At.Equal(w.At) {
			t.Errorf("change %d = %+v, want %+v", i, g, w)
		}
	}
	// Latest by time, not by insertion: a change recorded late with an
	// earlier time does not become the phase.
	late := tool.PhaseChange{Tool: "other", Version: 1, From: tool.PhaseShadow, To: tool.PhaseLive, Agreed: 20, Compared: 20, Reason: "all agreed", At: day(1, 13)}
	if err := s.RecordPhaseChange(ctx, late); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.ToolPhase(ctx, "other", 1); p != tool.PhaseLive {
		t.Fatalf("other@1 = %q, want live", p)
	}
}

func TestPhaseChangeFromAStalePhaseIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	if err := s.RecordPhaseChange(ctx, tool.PhaseChange{Tool: "t", Version: 1, From: tool.PhaseShadow, To: tool.PhaseLive}); !errors.Is(err, library.ErrPhaseConflict) {
		t.Fatalf("shadow→live of a version never in shadow: %v, want ErrPhaseConflict", err)
	}
	if err := s.RecordPhaseChange(ctx, tool.PhaseChange{Tool: "t", Version: 1, To: tool.PhaseShadow}); err != nil {
		t.Fatal(err)
	}
	err := s.RecordPhaseChange(ctx, tool.PhaseChange{Tool: "t", Version: 1, To: tool.PhaseShadow})
	if !errors.Is(err, library.ErrPhaseConflict) || !strings.Contains(err.Error(), "t@1") {
		t.Fatalf("second first-shadow: %v, want ErrPhaseConflict naming t@1", err)
	}
	if cs, _ := s.PhaseChanges(ctx, "t"); len(cs) != 1 {
		t.Fatalf("changes = %+v, want the one that stood", cs)
	}
}

func TestPhaseChangeBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	for _, c := range []struct {
		in   tool.PhaseChange
		want string
	}{
		{tool.PhaseChange{Tool: "Bad Name", Version: 1, To: tool.PhaseShadow}, "name"},
		{tool.PhaseChange{Tool: "t", Version: 0, To: tool.PhaseShadow}, "version 0"},
		{tool.PhaseChange{Tool: "t", Version: 1, To: "gone"}, `to "gone"`},
		{tool.PhaseChange{Tool: "t", Version: 1, From: "half", To: tool.PhaseLive}, `from "half"`},
		{tool.PhaseChange{Tool: "t", Version: 1, To: tool.PhaseShadow, Agreed: 3, Compared: 2}, "3 agreed of 2"},
	} {
		err := s.RecordPhaseChange(ctx, c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("RecordPhaseChange(%+v) = %v, want an error mentioning %q", c.in, err, c.want)
		}
	}
	if cs, _ := s.PhaseChanges(ctx, "t"); len(cs) != 0 {
		t.Fatalf("bad changes were stored: %+v", cs)
	}
}

func agreed(b bool) *bool { return &b }

// seedRequests records a day's traffic of two tenants.
func seedRequests(t *testing.T, s *library.Store) {
	t.Helper()
	ctx := context.Background()
	reqs := []tool.GatewayRequest{
		// acme, day 1: a pass-through, two upstream-served, one shadowed.
		{Tenant: "acme", Model: "gpt-4o", Served: tool.ServedPassthrough, At: day(1, 9), UpstreamPromptTokens: 100, UpstreamCompletionTokens: 50, UpstreamCost: 0.010},
		{Tenant: "acme", Model: "gpt-4o", Served: tool.ServedUpstream, Group: 3, At: day(1, 10), UpstreamCost: 0.020},
		{Tenant: "acme", Model: "gpt-4o", Served: tool.ServedUpstream, Group: 3, At: day(1, 11), UpstreamCost: 0.020, Stream: true},
		{Tenant: "acme", Model: "gpt-4o", Served: tool.ServedShadow, Tool: "sums@1", Agreed: agreed(true), At: day(1, 12), UpstreamCost: 0.020, LatmCost: 0.001},
		// acme, day 2: three by the tool (estimated), one spot check that disagreed, one fallback.
		{Tenant: "acme", Model: "gpt-4o", Served: tool.ServedTool, Tool: "sums@1", At: day(2, 9), UpstreamCost: 0.020, Estimated: true},
		{Tenant: "acme", Model: "gpt-4o", Served: tool.ServedTool, Tool: "sums@1", At: day(2, 10), UpstreamCost: 0.020, Estimated: true, LatmCost: 0.002},
		{Tenant: "acme", Model: "gpt-4o", Served: tool.ServedTool, Tool: "sums@1", At: day(2, 11), UpstreamCost: 0.020, Estimated: true},
		{Tenant: "acme", Model: "gpt-4o", Served: tool.ServedSpot, Tool: "sums@1", Agreed: agreed(false), At: day(2, 12), UpstreamCost: 0.020},
		{Tenant: "acme", Model: "gpt-4o", Served: tool.ServedFallback, Tool: "sums@1", Detail: "tool error: division by zero", At: day(2, 13), UpstreamCost: 0.020},
		// globex, day 2: one pass-through.
		{Tenant: "globex", Model: "gpt-4o-mini", Served: tool.ServedPassthrough, At: day(2, 14), UpstreamCost: 0.005},
	}
	for i := range reqs {
		if err := s.RecordGatewayRequest(ctx, &reqs[i]); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if reqs[i].ID == 0 {
			t.Fatalf("request %d: no ID set", i)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestGatewaySavingsPerTenant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	seedRequests(t, s)

	acme, err := s.GatewaySavings(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if acme.Tenant != "acme" || acme.Requests != 9 || acme.UpstreamSaved != 3 || acme.UpstreamCalls != 6 {
		t.Fatalf("acme = %+v, want 9 requests, 3 saved, 6 upstream calls", acme)
	}
	wantServed := map[string]int{"passthrough": 1, "upstream": 2, "shadow": 1, "tool": 3, "spot": 1, "fallback": 1}
	if fmt.Sprint(acme.ByServed) != fmt.Sprint(wantServed) {
		t.Errorf("acme by served = %v, want %v", acme.ByServed, wantServed)
	}
	// Would have cost: every upstream cost, estimates included (0.010 +
	// 8 × 0.020); spent: the six real upstream calls plus latm's own.
	if !near(acme.WouldHaveCost, 0.170) || !near(acme.Spent, 0.110+0.003) {
		t.Errorf("acme would have cost %g, spent %g; want 0.170 and 0.113", acme.WouldHaveCost, acme.Spent)
	}
	if acme.Estimated != 3 || !near(acme.EstimatedCost, 0.060) {
		t.Errorf("acme estimated %d (%g), want 3 requests (0.060)", acme.Estimated, acme.EstimatedCost)
	}
	if acme.Agreed != 1 || acme.Compared != 2 {
		t.Errorf("acme agreed %d of %d, want 1 of 2", acme.Agreed, acme.Compared)
	}
	if len(acme.Daily) != 2 {
		t.Fatalf("acme daily = %+v, want two days", acme.Daily)
	}
	d1, d2 := acme.Daily[0], acme.Daily[1]
	if d1.Day != "2026-11-01" || d1.Requests != 4 || d1.ByTool != 0 || !near(d1.WouldHaveCost, 0.070) || !near(d1.Spent, 0.071) {
		t.Errorf("acme day 1 = %+v", d1)
	}
	if d2.Day != "2026-11-02" || d2.Requests != 5 || d2.ByTool != 3 || !near(d2.WouldHaveCost, 0.100) || !near(d2.Spent, 0.042) {
		t.Errorf("acme day 2 = %+v", d2)
	}

	globex, err := s.GatewaySavings(ctx, "globex")
	if err != nil {
		t.Fatal(err)
	}
	if globex.Requests != 1 || globex.UpstreamSaved != 0 || !near(globex.Spent, 0.005) || len(globex.Daily) != 1 || globex.ByServed["tool"] != 0 {
		t.Errorf("globex = %+v, want its one pass-through only", globex)
	}

	all, err := s.GatewaySavings(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if all.Requests != 10 || !near(all.WouldHaveCost, 0.175) || !near(all.Spent, 0.118) || len(all.Daily) != 2 || all.Daily[1].Requests != 6 {
		t.Errorf("all = %+v, want both tenants summed", all)
	}
	none, err := s.GatewaySavings(ctx, "initech")
	if err != nil || none.Requests != 0 || none.Daily == nil || none.ByServed == nil {
		t.Errorf("a tenant without traffic = %+v, %v; want zero sums and empty (non-nil) lists", none, err)
	}
	tenants, err := s.GatewayTenants(ctx)
	if err != nil || fmt.Sprint(tenants) != "[acme globex]" {
		t.Errorf("tenants = %v, %v", tenants, err)
	}
}

func TestGatewayRequestRefusesBadRecordsAndKeepsNoSecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	for _, r := range []tool.GatewayRequest{
		{Served: "cached"},
		{Served: tool.ServedTool, UpstreamCost: -1},
		{Served: tool.ServedTool, UpstreamPromptTokens: -3},
	} {
		if err := s.RecordGatewayRequest(ctx, &r); err == nil {
			t.Errorf("RecordGatewayRequest(%+v) succeeded", r)
		}
	}
	r := &tool.GatewayRequest{Tenant: "acme", Served: tool.ServedFallback,
		Detail: `upstream 401: {"error":"Incorrect API key provided: sk-proj-abcdef123456"} (Authorization: Bearer sk-live-zzzzzzzzzz) ` + strings.Repeat("é", 600)}
	if err := s.RecordGatewayRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	back, err := s.RecentGatewayRequests(ctx, "acme", 10)
	if err != nil || len(back) != 1 || back[0].ID != r.ID || back[0].Served != tool.ServedFallback || back[0].Agreed != nil {
		t.Fatalf("read back %+v, %v", back, err)
	}
	got := back[0].Detail
	for _, secret := range []string{"sk-proj-abcdef123456", "sk-live-zzzzzzzzzz", "abcdef123456"} {
		if strings.Contains(got, secret) {
			t.Errorf("stored detail %q holds the secret %q", got, secret)
		}
	}
	if !strings.Contains(got, "upstream 401") || !strings.Contains(got, "[redacted]") || len(got) > 520 || !strings.HasSuffix(got, "…") {
		t.Errorf("stored detail %q: want the reason kept, secrets redacted, at most 512 bytes and an ellipsis", got)
	}
}

func TestGatewayRecordsConcurrentWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	// Eight writers race: each records requests, and all try to move the
	// same version into shadow and then live. Each move must happen once.
	const writers, each = 8, 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := map[tool.Phase]int{}
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				r := &tool.GatewayRequest{Tenant: fmt.Sprintf("t%d", w%2), Served: tool.ServedTool, UpstreamCost: 0.001, Estimated: true}
				if err := s.RecordGatewayRequest(ctx, r); err != nil {
					errs <- err
					return
				}
			}
			for _, c := range []tool.PhaseChange{
				{Tool: "race", Version: 1, To: tool.PhaseShadow},
				{Tool: "race", Version: 1, From: tool.PhaseShadow, To: tool.PhaseLive, Agreed: 20, Compared: 20},
			} {
				err := s.RecordPhaseChange(ctx, c)
				if errors.Is(err, library.ErrPhaseConflict) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				wins[c.To]++
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if wins[tool.PhaseShadow] != 1 || wins[tool.PhaseLive] != 1 {
		t.Fatalf("moves that stood = %v, want one into shadow and one into live", wins)
	}
	cs, _ := s.PhaseChanges(ctx, "race")
	if len(cs) != 2 || cs[0].To != tool.PhaseShadow || cs[1].To != tool.PhaseLive {
		t.Fatalf("changes = %+v", cs)
	}
	all, err := s.GatewaySavings(ctx, "")
	if err != nil || all.Requests != writers*each || all.UpstreamSaved != writers*each {
		t.Fatalf("all = %+v, %v; want %d requests, every one saved", all, err, writers*each)
	}
	t0, _ := s.GatewaySavings(ctx, "t0")
	if t0.Requests != writers/2*each {
		t.Fatalf("t0 requests = %d, want %d", t0.Requests, writers/2*each)
	}
}
