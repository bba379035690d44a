package library

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/latm/latm/tool"
)

// gatewayWriter records n requests as tenant who, then tries to move
// race@1 into shadow and then live, printing each move that stood: what a
// gateway process does beside others on one database.
func gatewayWriter(path, who string, n int) error {
	s, err := Open(path)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		r := &tool.GatewayRequest{Tenant: who, Served: tool.ServedTool, Tool: "race@1", UpstreamCost: 0.001, Estimated: true}
		if err := s.RecordGatewayRequest(ctx, r); err != nil {
			return err
		}
	}
	for _, c := range []tool.PhaseChange{
		{Tool: "race", Version: 1, To: tool.PhaseShadow, Reason: who},
		{Tool: "race", Version: 1, From: tool.PhaseShadow, To: tool.PhaseLive, Agreed: 20, Compared: 20, Reason: who},
	} {
		err := s.RecordPhaseChange(ctx, c)
		if errors.Is(err, ErrPhaseConflict) {
			continue
		}
		if err != nil {
			return err
		}
		fmt.Println("moved to", c.To)
	}
	return nil
}

// Processes sharing one file: every request is kept, and each phase move
// stands once however the processes interleave.
func TestGatewayRecordsFromConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := filepath.Join(t.TempDir(), "shared.db")
	const procs, rounds = 4, 30
	var cmds []*exec.Cmd
	outs := make([]*strings.Builder, procs)
	for p := 0; p < procs; p++ {
		cmd := helperCommand(t, "gateway", path, "t"+strconv.Itoa(p), strconv.Itoa(rounds))
		outs[p] = &strings.Builder{}
		cmd.Stdout, cmd.Stderr = outs[p], outs[p]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	moves := 0
	for p, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", p, err, outs[p])
		}
		moves += strings.Count(outs[p].String(), "moved to")
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	all, err := s.GatewaySavings(ctx, "")
	if err != nil || all.Requests != procs*rounds || all.Estimated != procs*rounds {
		t.Fatalf("all = %+v, %v; want %d requests", all, err, procs*rounds)
	}
	for p := 0; p < procs; p++ {
		if g, _ := s.GatewaySavings(ctx, "t"+strconv.Itoa(p)); g.Requests != rounds {
			t.Errorf("tenant t%d has %d requests, want %d", p, g.Requests, rounds)
		}
	}
	cs, err := s.PhaseChanges(ctx, "race")
	if err != nil || len(cs) != 2 || moves != 2 || cs[0].To != tool.PhaseShadow || cs[1].From != tool.PhaseShadow || cs[1].To != tool.PhaseLive {
		t.Fatalf("changes = %+v (%v), %d moves reported; want shadow then live, once each", cs, err, moves)
	}
}
