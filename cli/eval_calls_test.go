package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/user"
)

// latm eval --call code,json makes the tool once and runs the test set in
// each call mode, a row per mode with its user calls, retries and refused
// JSON arguments. The user model is scripted: its figures are the script's,
// not a model's.
func TestEvalComparesCallModes(t *testing.T) {
	db, srv := evalEnv(t)
	task := writeWSTask(t)
	// A tool whose call is the answer: a JSON call renders the call alone.
	joined := func(i int, withAssert bool) string {
		e := wordSorting[i]
		code := fmt.Sprintf("words = %q.split()\nans = sort_words(words)\n", e.list)
		if withAssert {
			code += fmt.Sprintf("assert ans == %q\n", e.answer)
		}
		return code
	}
	ms := &makerScript{replies: map[string][]string{
		"propose": {wsFence("def sort_words(words):\n    \"\"\"Sorts words alphabetically, joined by spaces.\"\"\"\n    return \" \".join(sorted(words))\n")},
		"verify":  {wsFence(joined(3, true), joined(4, true), joined(5, true))},
		"package": {wsFence(joined(0, false), joined(1, false), joined(2, false))},
	}}
	makerReply := ms.reply(t)
	var mu sync.Mutex
	var jsonReqs []fakeopenai.Request
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		if r.Model == "maker-test" {
			return makerReply(r)
		}
		for i, e := range wsTest {
			if !strings.Contains(r.Messages[0].Content, wsQuestion(e.list)) {
				continue
			}
			words := strings.Fields(e.list)
			switch r.Template {
			case user.UseTemplate:
				return fakeopenai.Reply{Content: fence(fmt.Sprintf("ans = sort_words(%q.split())", e.list))}
			case user.UseJSONTemplate:
				mu.Lock()
				jsonReqs = append(jsonReqs, r)
				mu.Unlock()
				if i == 1 && len(r.Messages) == 1 {
					// Refused by the schema (a string, not a list), then fixed.
					return fakeopenai.Reply{ToolCalls: []fakeopenai.ToolCall{{Name: "ws", Arguments: fmt.Sprintf(`{"words": %q}`, e.list)}}}
				}
				if i == 3 {
					words = words[:2] // a wrong call: one word dropped
				}
				args, _ := json.Marshal(map[string]any{"words": words})
				return fakeopenai.Reply{ToolCalls: []fakeopenai.ToolCall{{Name: "ws", Arguments: string(args)}}}
			}
		}
		t.Errorf("unexpected %s %s request: %q", r.Model, r.Template, r.Last())
		return fakeopenai.Reply{Status: 500}
	})
	out := filepath.Join(t.TempDir(), "res.json")
	ckpt := filepath.Join(t.TempDir(), "ck.jsonl")
	code, stdout, errs := runEvalCmd(t, db, "--task-file", task, "--methods", "latm", "--call", "code,json", "--out", out, "--workers", "1", "--checkpoint", ckpt)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
	}
	res := readEvalResults(t, out)
	if len(res.Rows) != 2 || res.Rows[0].Call != "code" || res.Rows[1].Call != "json" || strings.Join(res.Calls, ",") != "code,json" {
		t.Fatalf("rows %+v, calls %v", res.Rows, res.Calls)
	}
	makerCalls := 0
	for _, r := range srv.Requests() {
		if r.Model == "maker-test" {
			makerCalls++
		}
	}
	// propose, verify, package, schema: once for both modes.
	if makerCalls != 4 {
		t.Errorf("%d maker calls, want 4 (the tool made once)", makerCalls)
	}
	for _, c := range []struct {
		row                                  int
		correct, userCalls, retries, invalid int
	}{{0, 4, 4, 0, 0}, {1, 3, 5, 1, 1}} {
		row := res.Rows[c.row]
		if row.Correct != c.correct || row.Calls-row.MakeCalls != c.userCalls || row.Retries != c.retries || row.Invalid != c.invalid || row.MakeCalls != 4 {
			t.Errorf("%s row: correct %d, user calls %d, retries %d, invalid %d, making %d; want %d, %d, %d, %d, 4",
				row.Call, row.Correct, row.Calls-row.MakeCalls, row.Retries, row.Invalid, row.MakeCalls, c.correct, c.userCalls, c.retries, c.invalid)
		}
	}
	// The JSON calls were asked as a forced call of the tool's function,
	// against the maker's schema stored at making.
	if len(jsonReqs) != 5 || !strings.Contains(string(jsonReqs[0].Tools), "the words after List:") || !strings.Contains(string(jsonReqs[0].ToolChoice), `"name":"ws"`) {
		t.Fatalf("%d json requests; first tools %s tool_choice %s", len(jsonReqs), jsonReqs[0].Tools, jsonReqs[0].ToolChoice)
	}
	for _, want := range []string{"| latm (code) | 100.0% | 4/4 |", "| latm (json) | 75.0% | 3/4 |", "| code | 100.0% | 4/4 | 4 |", "| json | 75.0% | 3/4 | 5 |", "| 1 | 1 | 0 |"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, stdout)
		}
	}

	// Resumed from the checkpoint: each mode's instances and the one
	// making come back with no model call.
	before := len(srv.Requests())
	again := filepath.Join(t.TempDir(), "again.json")
	if code, _, errs := runEvalCmd(t, db, "--task-file", task, "--methods", "latm", "--call", "code,json", "--out", again, "--checkpoint", ckpt); code != ExitOK {
		t.Fatalf("resume: exit %d\n%s", code, errs)
	}
	if n := len(srv.Requests()) - before; n != 0 {
		t.Errorf("resume made %d model calls, want 0", n)
	}
	if r2 := readEvalResults(t, again); len(r2.Rows) != 2 || r2.Rows[1].Correct != 3 || r2.Rows[1].Invalid != 1 || r2.Rows[1].Resumed != 4 || r2.Rows[0].Correct != 4 {
		t.Errorf("resumed rows %+v", r2.Rows)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--call", "yaml"}, `--call "yaml": want code, json or auto`},
		{[]string{"--call", "json,json"}, "json given twice"},
		{[]string{"--call", "json", "--methods", "direct"}, "add latm to --methods"},
	} {
		code, _, errs := runEvalCmd(t, db, append([]string{"--task-file", task}, c.args...)...)
		if code != ExitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want a usage error naming %q", c.args, code, errs, c.want)
		}
	}
}
