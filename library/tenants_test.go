package library

import (
	"context"
	"testing"

	"github.com/latm/latm/tool"
)

// A tool's tenant and a pending instance's tenant and upstream label
// survive the store, so that a restarted gateway still keeps tenants apart.
func TestTenantsPersist(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	tl := sampleTool("sum_b")
	tl.Tenant = "team-b"
	if err := s.SaveTool(ctx, tl); err != nil {
		t.Fatal(err)
	}
	got, err := s.Tool(ctx, "sum_b", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tenant != "team-b" {
		t.Errorf("tool tenant = %q, want team-b", got.Tenant)
	}
	op := sampleTool("sum_op")
	if err := s.SaveTool(ctx, op); err != nil {
		t.Fatal(err)
	}
	all, err := s.Tools(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	tenants := map[string]string{}
	for _, x := range all {
		tenants[x.Name] = x.Tenant
	}
	if tenants["sum_b"] != "team-b" || tenants["sum_op"] != "" {
		t.Errorf("tenants from Tools = %v", tenants)
	}

	p := &tool.Pending{InstanceID: "gateway:1", Question: "q", Label: "42", LabelSource: "upstream", Tenant: "team-a"}
	if err := s.AddPending(ctx, p); err != nil {
		t.Fatal(err)
	}
	ps, err := s.PendingInstances(ctx, -1)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Tenant != "team-a" || ps[0].LabelSource != "upstream" || ps[0].Label != "42" {
		t.Errorf("pending = %+v, want one of team-a labelled 42 by upstream", ps[0])
	}
}
