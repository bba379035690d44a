package dispatch

import (
	"context"
	"testing"

	"github.com/latm/latm/internal/bbh"
)

// Tenants share neither pending groups nor tools: the same task's
// instances from two tenants gather in two groups with numbers of their
// own, and a tenant's router never routes to another tenant's tool
// unless it shares.
func TestTenantsKeepApart(t *testing.T) {
	ctx := context.Background()
	a, _ := dispatcherEnv(t)
	a.Tenant = "a"
	b := &Dispatcher{Store: a.Store, Router: &Router{Store: a.Store, Thresholds: DefaultThresholds, Tenant: "b"}, Unknown: UnknownNone, Tenant: "b"}
	sp, err := bbh.LoadSplit("word_sorting")
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]map[int64]bool{"a": {}, "b": {}}
	for i, e := range sp.Train[:3] {
		for _, d := range []*Dispatcher{a, b} {
			g, _, err := d.Add(ctx, Instance{Batch: "gw", ID: d.Tenant + string(rune('0'+i)), Question: e.Question, Answer: e.Answer, LabelSource: "upstream"})
			if err != nil {
				t.Fatal(err)
			}
			groups[d.Tenant][g] = true
		}
	}
	if len(groups["a"]) != 1 || len(groups["b"]) != 1 {
		t.Fatalf("groups %v: each tenant's instances of one task should form one group", groups)
	}
	for g := range groups["a"] {
		if groups["b"][g] {
			t.Errorf("tenants a and b share group %d", g)
		}
	}
	ps, err := a.Store.PendingInstances(ctx, -1)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.LabelSource != "upstream" || (p.Tenant != "a" && p.Tenant != "b") || p.Tenant != p.InstanceID[3:4] {
			t.Errorf("pending %+v", p)
		}
	}

	saveEcho(t, a.Store, "word_sorting") // the operator's, retired below
	owned, err := a.Store.Tool(ctx, "word_sorting", 0)
	if err != nil {
		t.Fatal(err)
	}
	owned.Tenant = "a"
	if err := a.Store.SaveTool(ctx, owned); err != nil { // version 2, tenant a's
		t.Fatal(err)
	}
	if err := a.Store.(interface {
		RetireTool(context.Context, string, int) error
	}).RetireTool(ctx, "word_sorting", 1); err != nil {
		t.Fatal(err)
	}
	q := sp.Test[0].Question
	for _, tc := range []struct {
		r    *Router
		want bool
	}{
		{&Router{Store: a.Store, Thresholds: DefaultThresholds, Tenant: "a"}, true},
		{&Router{Store: a.Store, Thresholds: DefaultThresholds, Tenant: "b"}, false},
		{&Router{Store: a.Store, Thresholds: DefaultThresholds, Tenant: "b", Share: true}, true},
		{&Router{Store: a.Store, Thresholds: DefaultThresholds}, false},
	} {
		got, _, err := tc.r.Confident(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if (got != nil) != tc.want || got != nil && got.Tenant != "a" {
			t.Errorf("router of tenant %q (share %v) routed to %v, want a tool: %v", tc.r.Tenant, tc.r.Share, got, tc.want)
		}
	}
}
