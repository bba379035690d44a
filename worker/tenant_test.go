package worker

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// A tenant's batch through the workers routes as the tenant's does on one
// machine: its unknown questions are pooled as the tenant's, the tool their
// group makes is the tenant's (in the worker's library, in the tools
// bucket and in the submitter's library once imported), and another
// tenant's and the operator's questions reach it only where tools are
// shared.
func TestATenantsBatchRoutesPoolsAndMakesAsTheTenants(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv, counts := makingServer(t, nil)
	s := startNode(t)
	q := connect(t, ctx, s.ClientURL(), Options{})
	made := make(chan bool, 2)
	eng := makingEngine(t, srv.URL)
	w := &Worker{Queue: connect(t, ctx, s.ClientURL(), Options{}), Engine: eng, Name: "w", Slots: 1,
		Done: func(tk Task, solved bool) {
			if tk.Make > 0 {
				made <- solved
			}
		}}
	runWorker(t, w)
	st := openStore(t)
	var lists [][]string
	for _, l := range streamLists[:6] {
		lists = append(lists, strings.Fields(l))
	}
	its := items(lists...)
	submit := func(batch, tenant string, share bool, its []user.BatchItem) []user.BatchResult {
		t.Helper()
		got, _, err := collect(ctx, q, st, its, SubmitOptions{Batch: batch, Tenant: tenant, Share: share, Import: ToolImport{Store: st}})
		if err != nil {
			t.Fatalf("batch %s: %v", batch, err)
		}
		return got
	}

	// acme's six questions of an unknown task wait in the pool, as acme's.
	for _, r := range submit("a", "acme", false, its) {
		if !r.OK || r.Tool != "" {
			t.Fatalf("acme's %s: %+v, want it pending", r.ID, r)
		}
	}
	// globex's question of the same task, with tools shared, waits too.
	one := items([]string{"quince", "lime", "date"})
	if r := submit("gs0", "globex", true, one)[0]; !r.OK || r.Tool != "" {
		t.Fatalf("globex's question: %+v, want it pending", r)
	}
	all, err := q.PendingPool(ctx)
	if err != nil || len(all) != len(its)+1 {
		t.Fatalf("shared pool %v (%v), want acme's %d instances and globex's", all, err, len(its))
	}
	var pool []*tool.Pending
	for _, p := range all {
		if p.InstanceID != "gs0:q1" {
			pool = append(pool, p)
		}
	}
	group := pool[0].Group
	for _, p := range pool {
		if p.Tenant != "acme" || p.Group != group {
			t.Fatalf("pool entry %+v, want acme's, in group %d", p, group)
		}
		if _, _, err := q.LabelPending(ctx, p.InstanceID, sortedWords(strings.TrimPrefix(p.Question, sortQuestion()))); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.RequestMake(ctx, "a", group, len(its)); err != nil {
		t.Fatal(err)
	}
	select {
	case solved := <-made:
		if !solved || counts.get("propose") != 1 {
			t.Fatalf("make request: solved %v, %d propose calls; want acme's group made once", solved, counts.get("propose"))
		}
	case <-ctx.Done():
		t.Fatal("no worker made acme's group")
	}
	// The tool is acme's everywhere: in the worker's library, in the
	// bucket, and in the submitter's library, which imports it on the
	// rerun that reads acme's batch solved.
	var name string
	for _, r := range submit("a", "acme", false, its) {
		if !r.OK || !strings.HasPrefix(r.Tool, "sort") {
			t.Errorf("acme's %s on a rerun: %+v, want it solved by the made tool", r.ID, r)
		}
		name, _, _ = tool.ParseRef(r.Tool)
	}
	if tl, err := eng.Store().Tool(ctx, name, 0); err != nil || tl.Tenant != "acme" {
		t.Errorf("the worker's library: %s = %+v (%v), want acme's", name, tl, err)
	}
	keys, err := q.toolKeys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("tools bucket keys %v (%v), want the one made", keys, err)
	}
	for k := range keys {
		e, err := q.Tools.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if tl, err := decodeEntry(e.Value()); err != nil || tl.Tenant != "acme" || tl.Name != name {
			t.Errorf("bucket entry %s: %+v (%v), want acme's %s", k, tl, err, name)
		}
	}
	if tl, err := st.Tool(ctx, name, 0); err != nil || tl.Tenant != "acme" {
		t.Errorf("the submitter's library: %s = %+v (%v), want acme's", name, tl, err)
	}

	// Another tenant's question, and the operator's, do not reach acme's
	// tool: each is pooled as its asker's. With tools shared, the other
	// tenant's reaches it.
	for _, c := range []struct {
		batch, tenant string
		share, solved bool
	}{
		{"g", "globex", false, false},
		{"o", "", false, false},
		{"gs", "globex", true, true},
	} {
		r := submit(c.batch, c.tenant, c.share, one)[0]
		if solved := strings.HasPrefix(r.Tool, name+"@"); solved != c.solved || !r.OK {
			t.Errorf("%q's question (share %v): %+v; want solved by acme's tool: %v", c.tenant, c.share, r, c.solved)
		}
		if c.solved {
			if r.Answer != "date lime quince" {
				t.Errorf("%q's question (share %v): answer %q", c.tenant, c.share, r.Answer)
			}
			continue
		}
		pool, err := q.PendingPool(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range pool {
			if p.InstanceID == c.batch+":q1" {
				found = true
				if p.Tenant != c.tenant {
					t.Errorf("pool entry %+v, want %q's", p, c.tenant)
				}
			}
		}
		if !found {
			t.Errorf("%q's question is not in the pool: %+v", c.tenant, pool)
		}
	}
	// Revisiting the pool (as a worker does when a tool arrives) solves
	// what the tool may answer: globex's question pooled with tools
	// shared, not the two pooled without.
	if err := w.revisit(ctx, w.shared); err != nil {
		t.Fatal(err)
	}
	if r := submit("gs0", "globex", true, one)[0]; r.Answer != "date lime quince" || !strings.HasPrefix(r.Tool, name+"@") {
		t.Errorf("globex's shared question after a revisit: %+v, want it solved by acme's tool", r)
	}
	// Groups never mix tenants.
	pool, err = q.PendingPool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	owner := map[int64]string{}
	for _, p := range pool {
		if o, ok := owner[p.Group]; ok && o != p.Tenant {
			t.Errorf("group %d holds %q's and %q's instances", p.Group, o, p.Tenant)
		}
		owner[p.Group] = p.Tenant
	}
	if len(owner) != 2 {
		t.Errorf("the pool's groups %v, want globex's and the operator's", owner)
	}
}

func TestToolEntryNamesItsTenant(t *testing.T) {
	t.Parallel()
	for _, tenant := range []string{"", "acme", "a \"quoted\"\nname"} {
		tl := sortTool()
		tl.Tenant = tenant
		b, err := encodeEntry(tl)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeEntry(b)
		if err != nil || got.Tenant != tenant || got.Name != tl.Name || got.Source != tl.Source {
			t.Errorf("tenant %q: decoded %+v, %v", tenant, got, err)
		}
		if pkg, _ := tool.EncodePackage(tl); (tenant == "") != (string(pkg) == string(b)) {
			t.Errorf("tenant %q: the entry is the bare package: %v", tenant, tenant == "")
		}
	}
	for _, bad := range []string{
		tenantLine + "acme\n# latm tool package 1\n",    // not quoted
		tenantLine + `""` + "\n# latm tool package 1\n", // empty
		tenantLine + `"acme"` + "\nnot a package\n",
	} {
		if tl, err := decodeEntry([]byte(bad)); err == nil {
			t.Errorf("decodeEntry(%q) = %+v, want an error", bad, tl)
		}
	}
	// A package error is numbered from the entry's first line.
	if _, err := decodeEntry([]byte(tenantLine + `"acme"` + "\n# latm tool package 1\n#\n# nme: x\n")); err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("a bad field on the entry's line 4: %v", err)
	}
}

func FuzzDecodeToolEntry(f *testing.F) {
	for _, tenant := range []string{"", "acme"} {
		tl := sortTool()
		tl.Tenant = tenant
		b, _ := encodeEntry(tl)
		f.Add(b)
	}
	f.Add([]byte(tenantLine + "\"x\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tl, err := decodeEntry(b)
		if err != nil {
			return
		}
		again, err := encodeEntry(tl)
		if err != nil {
			return // a name the encoder refuses
		}
		back, err := decodeEntry(again)
		if err != nil || back.Tenant != tl.Tenant || back.Name != tl.Name || back.Source != tl.Source {
			t.Fatalf("round trip of %q: %+v, %v", b, back, err)
		}
	})
}
