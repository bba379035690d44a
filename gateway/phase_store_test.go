package gateway

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/internal/gatewaysim"
	"github.com/latm/latm/tool"
)

// With the library as its Store (as latm serve runs it), every change the
// gateway records starts from the version's current phase: "" into shadow,
// shadow to live. When another process sharing the library moves a version
// first, the gateway's own change is refused, it rereads the phase and
// follows it, and nothing is recorded twice.
func TestLibraryStorePhasesAndAnotherWriter(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, func(_ *Config, d *Deps) {
		d.Rand = func() float64 { return 0 }
		d.Store = d.Pool.(Store) // the library
	})
	ref := trainLive(t, w, "", "plus")
	name, version, _ := tool.ParseRef(ref)
	changes, err := w.lib.PhaseChanges(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	var path []string
	for _, c := range changes {
		if c.Version == version {
			path = append(path, string(c.From)+">"+string(c.To))
		}
	}
	if strings.Join(path, " ") != ">shadow shadow>live" {
		t.Fatalf("recorded changes of %s: %q, want >shadow shadow>live", ref, path)
	}
	// Another process judges the version first and sends it back to shadow.
	other := tool.PhaseChange{Tool: name, Version: version, From: tool.PhaseLive, To: tool.PhaseShadow, Reason: "another process"}
	if err := w.lib.RecordPhaseChange(ctx, other); err != nil {
		t.Fatal(err)
	}
	// This gateway still believes it live (it rereads phases only every
	// ttl, here never); its spot checks now disagree.
	w.gw.learn.mu.Lock()
	w.gw.learn.ttl = time.Hour
	w.gw.learn.mu.Unlock()
	w.gw.cfg.SpotRate = 1
	w.up.Script(fakeopenai.Match{Contains: "when they are added together"}, fakeopenai.Reply{Content: "Let's think step by step.\nSo the answer is 1."})
	c := w.client("", "k")
	tr := gatewaysim.NewTraffic(3, w.tasks, 0)
	var served []string
	for range 4 {
		rep, err := ask(ctx, c, tr.Of(taskNamed(w, "plus")).Question, false)
		if err != nil {
			t.Fatal(err)
		}
		w.gw.Wait()
		served = append(served, rep.Tool)
	}
	if served[0] != ref || served[1] != ref || served[2] != "" || served[3] != "" {
		t.Errorf("served by %q, want the tool for its two spot checks, then upstream (shadow)", served)
	}
	changes, _ = w.lib.PhaseChanges(ctx, name)
	back := 0
	for _, c := range changes {
		if c.Version == version && c.From == tool.PhaseLive && c.To == tool.PhaseShadow {
			back++
		}
	}
	if back != 1 {
		t.Errorf("%d live>shadow changes recorded, want only the other process's", back)
	}
	if p, _ := w.lib.ToolPhase(ctx, name, version); p != tool.PhaseShadow {
		t.Errorf("phase %q, want shadow", p)
	}
	logs := w.logs.String()
	if !strings.Contains(logs, "phase moved meanwhile") || strings.Contains(logs, "record a phase change") {
		t.Errorf("the refusal was not handled as a move by another writer:\n%s", logs)
	}
}

// A version another process moved is followed within the phase ttl: here
// (ttl 0) the next request after another process sent a live tool back to
// shadow already goes upstream, before any spot check of this process.
func TestPhaseMovedByAnotherProcessIsFollowed(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, func(_ *Config, d *Deps) { d.Store = d.Pool.(Store) })
	ref := trainLive(t, w, "", "plus")
	name, version, _ := tool.ParseRef(ref)
	w.gw.learn.mu.Lock()
	w.gw.learn.ttl = 0
	w.gw.learn.mu.Unlock()
	c := w.client("", "k")
	tr := gatewaysim.NewTraffic(5, w.tasks, 0)
	if rep, err := ask(ctx, c, tr.Of(taskNamed(w, "plus")).Question, false); err != nil || rep.Tool != ref {
		t.Fatalf("before the move: served by %q (%v), want %s", rep.Tool, err, ref)
	}
	w.gw.Wait()
	other := tool.PhaseChange{Tool: name, Version: version, From: tool.PhaseLive, To: tool.PhaseShadow, Reason: "another process"}
	if err := w.lib.RecordPhaseChange(ctx, other); err != nil {
		t.Fatal(err)
	}
	rep, err := ask(ctx, c, tr.Of(taskNamed(w, "plus")).Question, false)
	if err != nil {
		t.Fatal(err)
	}
	w.gw.Wait()
	if rep.Tool != "" {
		t.Errorf("after another process sent %s back to shadow: served by %q, want upstream", ref, rep.Tool)
	}
}
