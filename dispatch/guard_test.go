package dispatch

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

type ownTool struct {
	Name      string
	Questions []string
	Instances []string
}

func readJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("testdata/%s: %v", name, err)
	}
}

// nearMissRouter is a router (no dispatcher model) over every bundled BBH
// task as a tool and the tools of testdata/own_tools.json.
func nearMissRouter(t *testing.T) (*Router, []ownTool) {
	t.Helper()
	s, err := library.Open(filepath.Join(t.TempDir(), "latm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, task := range bbh.Tasks() {
		saveEcho(t, s, task)
	}
	var own []ownTool
	readJSON(t, "own_tools.json", &own)
	for _, o := range own {
		tl := &tool.Tool{Name: o.Name, Source: "def echo(x):\n    return x\n", Entry: "echo", Description: o.Name}
		for _, q := range o.Questions {
			tl.Examples = append(tl.Examples, tool.UsageExample{Question: q, Code: "ans = echo(1)", Answer: "1"})
		}
		if err := s.SaveTool(context.Background(), tl); err != nil {
			t.Fatal(err)
		}
	}
	return &Router{Store: s, Thresholds: DefaultThresholds}, own
}

// TestNearMissesAreNotRoutedAtStage1: questions of other tasks that share
// words with a tool's questions (binary vs Roman numerals, product vs sum
// of digits, anagram vs palindrome, …) are never answered by a tool at
// stage 1; the tools' own instances still are.
func TestNearMissesAreNotRoutedAtStage1(t *testing.T) {
	t.Parallel()
	r, own := nearMissRouter(t)
	var misses []struct{ Near, Question string }
	readJSON(t, "near_miss.json", &misses)
	if len(misses) < 30 {
		t.Fatalf("only %d near misses", len(misses))
	}
	ctx := context.Background()
	guarded := 0
	for i, m := range misses {
		d, err := r.Route(ctx, "near", string(rune('a'+i%26))+strings.Repeat("x", i/26), m.Question)
		if err != nil {
			t.Fatal(err)
		}
		if d.Stage == 1 && d.Tool != nil {
			t.Errorf("near miss of %s routed at stage 1 to %s (score %.2f): %q", m.Near, d.Tool.Name, d.Score, m.Question)
		}
		if d.Guard != "" {
			guarded++
			t.Logf("guard: %q → %s", m.Question, d.Guard)
		}
	}
	t.Logf("%d near misses, %d stopped by the route guard (the score alone would have routed them)", len(misses), guarded)
	if guarded == 0 {
		t.Error("the route guard stopped none: the near misses do not test it")
	}
	for _, o := range own {
		for _, q := range o.Instances {
			d, err := r.Route(ctx, "own", q, q)
			if err != nil {
				t.Fatal(err)
			}
			if d.Stage != 1 || d.Tool == nil || d.Tool.Name != o.Name {
				t.Errorf("%q: decision %+v, want %s at stage 1", q, d, o.Name)
			}
		}
	}
}

func TestRouteTemplate(t *testing.T) {
	t.Parallel()
	tpl := newRouteTemplate([]string{
		"What is the sum of the digits of 530141610758 ?",
		"What is the sum of the digits of 907 ?",
	})
	for q, fits := range map[string]bool{
		"What is the sum of the digits of 12345 ?":     true,
		"What is the sum of the digits of twelve ?":    false, // a number slot holds a word
		"What is the product of the digits of 12345 ?": false, // "sum" is constant
		"What is the sum of the digits of 1 and 2 ?":   false, // one token became several
		"what is the SUM of the digits of 4 ?":         true,  // case is not shape
		"What is the sum of the odd digits of 12345 ?": false, // words where the examples had none
		"": false,
		"What is the sum of the digits of 12345 ? Why?": false,
	} {
		if got := tpl.misfit(q) == ""; got != fits {
			t.Errorf("%q: fits %v, want %v (%s)", q, got, fits, tpl.misfit(q))
		}
	}
	if one := newRouteTemplate([]string{"only one question here"}); one.misfit("only one question here") == "" {
		t.Error("a template learned from one question admitted an instance")
	}
}

func FuzzRouteTemplate(f *testing.F) {
	f.Add("Convert the number 15 to Roman numerals.", "Convert the number 7 to Roman numerals.", "Convert the number 12 to binary.")
	f.Add("a\nb", "a\nc", "")
	f.Fuzz(func(t *testing.T, a, b, q string) {
		tpl := newRouteTemplate([]string{a, b})
		tpl.misfit(q)
		if tpl.ok && (tpl.misfit(a) != "" || tpl.misfit(b) != "") {
			t.Fatalf("an example question does not fit its own template: %q %q", tpl.misfit(a), tpl.misfit(b))
		}
	})
}
