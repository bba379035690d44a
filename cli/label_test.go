package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

func runLabel(t *testing.T, db string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), append([]string{"--db", db, "label"}, args...), strings.NewReader(""), &out, &errb, os.Getenv)
	return code, out.String(), errb.String()
}

func TestLabelList(t *testing.T) {
	db := toolsEnv(t)
	if code, out, errs := runLabel(t, db, "--list"); code != ExitOK || !strings.HasPrefix(out, "no pending instances") {
		t.Fatalf("empty --list: %d %q %s", code, out, errs)
	}
	if code, out, _ := runLabel(t, db, "--list", "--json"); code != ExitOK || strings.TrimSpace(out) != "[]" {
		t.Fatalf("empty --list --json: %d %q", code, out)
	}
	s, err := library.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddPending(context.Background(), &tool.Pending{InstanceID: "b1:q7", Question: "What is odd?"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if code, _, _ := runLabel(t, db, "q7", "three"); code != ExitOK {
		t.Fatalf("label q7: exit %d", code)
	}
	code, out, _ := runLabel(t, db, "--list", "--json")
	var got []pendingSummary
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != ExitOK {
		t.Fatalf("--list --json: %d %v %q", code, err, out)
	}
	if len(got) != 1 || got[0] != (pendingSummary{ID: "b1:q7", Label: "three", LabelSource: "human", Question: "What is odd?"}) {
		t.Errorf("--list --json = %+v", got)
	}
	if code, _, errs := runLabel(t, db, "q7", "x", "--json"); code != ExitUsage || !strings.Contains(errs, "--json goes with --list") {
		t.Errorf("--json without --list: %d %s", code, errs)
	}
}
