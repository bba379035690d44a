package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

func TestToolsShowPhases(t *testing.T) {
	db := toolsEnv(t)
	seed(t, db, sortTool("word_sorting"), sortTool("plain"))
	s, err := library.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, c := range []tool.PhaseChange{
		{Tool: "word_sorting", Version: 1, To: tool.PhaseShadow, Reason: "made from 6 labelled requests", At: at},
		{Tool: "word_sorting", Version: 1, From: tool.PhaseShadow, To: tool.PhaseLive, Agreed: 19, Compared: 20, Reason: "19 of 20 agreed (95% >= 95%)", At: at.Add(time.Hour)},
		{Tool: "word_sorting", Version: 1, From: tool.PhaseLive, To: tool.PhaseShadow, Agreed: 14, Compared: 20, Reason: "spot checks: 14 of 20 agreed (70% < 95%)", At: at.Add(2 * time.Hour)},
	} {
		if err := s.RecordPhaseChange(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	out := showOut(t, db, "show", "word_sorting")
	for _, want := range []string{
		"phase:       shadow\n",
		"phase changes:\n",
		"  2026-11-30 09:00:00  @1  new -> shadow: made from 6 labelled requests\n",
		"  2026-11-30 10:00:00  @1  shadow -> live, 19 of 20 agreed: 19 of 20 agreed (95% >= 95%)\n",
		"  2026-11-30 11:00:00  @1  live -> shadow, 14 of 20 agreed: spot checks: 14 of 20 agreed (70% < 95%)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("tools show lacks %q:\n%s", want, out)
		}
	}
	if out := showOut(t, db, "show", "plain"); strings.Contains(out, "phase") {
		t.Errorf("a tool not learned from traffic shows a phase:\n%s", out)
	}

	var shown struct {
		Name   string             `json:"name"`
		Phase  tool.Phase         `json:"phase"`
		Phases []tool.PhaseChange `json:"phases"`
		Source string             `json:"source"`
	}
	if err := json.Unmarshal([]byte(showOut(t, db, "show", "word_sorting", "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.Name != "word_sorting" || shown.Source == "" || shown.Phase != tool.PhaseShadow || len(shown.Phases) != 3 ||
		shown.Phases[1].Agreed != 19 || shown.Phases[2].Reason != "spot checks: 14 of 20 agreed (70% < 95%)" {
		t.Fatalf("tools show --json = %+v", shown)
	}
}

func showOut(t *testing.T, db string, args ...string) string {
	t.Helper()
	code, out, errOut := runTools(t, db, args...)
	if code != ExitOK {
		t.Fatalf("tools %v: exit %d %s", args, code, errOut)
	}
	return out
}
