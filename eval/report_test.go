package eval

import (
	"bytes"
	"strings"
	"testing"
)

func TestMarkdownRendersEveryFigure(t *testing.T) {
	t.Parallel()
	r := &Results{LATMVersion: "v9", Roles: map[string]RoleInfo{"user": {Model: "mini"}, "maker": {Model: "big"}},
		Rows: []Row{
			{Task: "ws", Method: MethodLATM, N: 4, Correct: 3, Accuracy: 75, Errors: 1, Calls: 8, CacheHits: 2, TokensIn: 1200, TokensOut: 300,
				Estimated: true, Cost: 0.0123, WallMS: 1500, Measured: "maker big @ e; user mini @ e", Tool: "ws", MakeOK: true, ProposeTries: 2, VerifyTries: 1, MakeCost: 0.004},
			{Task: "crt", Method: MethodLATM, N: 2, Errors: 2, MakeError: "propose step failed after 3 tries:\n  no loadable tool", ProposeTries: 3, Cost: 0.5},
			{Task: "ws", Method: MethodCoT, N: 4, Correct: 1, Accuracy: 25, Calls: 4, Cost: 0},
		}}
	var b bytes.Buffer
	Markdown(&b, r)
	s := b.String()
	for _, want := range []string{
		"latm v9 · maker: big · user: mini\n",
		"none is quoted from the paper",
		"| latm | 75.0% | 3/4 | 1 | 8 | 2 | ~1200 | ~300 | $0.01 | 1.5s | ws: propose 2, verify 1 tries, $0.00400 | maker big @ e; user mini @ e |",
		"| latm | 0.0% | 0/2 | 2 | 0 | 0 | 0 | 0 | $0.50 | 0s | failed after 3+0 tries: propose step failed after 3 tries: no loadable tool | — |",
		"| cot | 25.0% | 1/4 | 0 | 4 | 0 | 0 | 0 | $0.00 | 0s |  | — |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, s)
		}
	}
	// Tasks keep the order of their first row; each task's rows stay together.
	if ws, crt := strings.Index(s, "### ws"), strings.Index(s, "### crt"); ws < 0 || crt < ws || strings.Count(s, "### ws") != 1 {
		t.Errorf("task tables out of order:\n%s", s)
	}
}

func TestCompareMismatchedRuns(t *testing.T) {
	t.Parallel()
	a := &Results{LATMVersion: "1", Limit: 10, CoTRole: "user",
		Roles:        map[string]RoleInfo{"user": {Model: "m", Endpoint: "e", PriceIn: 1, PriceOut: 2}, "maker": {Model: "big", Endpoint: "e"}},
		PromptHashes: map[string]string{"use": "aa", "cot": "cc"}, TaskHashes: map[string]string{"ws": "1", "crt": "x"},
		Rows: []Row{
			{Task: "ws", Method: MethodLATM, N: 10, Accuracy: 50, Cost: 1, Calls: 14},
			{Task: "ws", Method: MethodCoT, N: 10, Accuracy: 40, Calls: 10},
		}}
	b := &Results{LATMVersion: "2", CoTRole: "solver",
		Roles:        map[string]RoleInfo{"user": {Model: "m", Endpoint: "e", PriceIn: 3, PriceOut: 2}, "solver": {Model: "s", Endpoint: "e2"}},
		PromptHashes: map[string]string{"use": "aa", "direct": "dd"}, TaskHashes: map[string]string{"ws": "2", "crt": "x"},
		Rows: []Row{
			{Task: "ws", Method: MethodLATM, N: 240, Accuracy: 75, Cost: 2, Calls: 244},
			{Task: "crt", Method: MethodDirect, N: 240, Accuracy: 10, Calls: 240},
		}}
	var out bytes.Buffer
	Compare(&out, a, b, "a.json", "b.json")
	s := out.String()
	for _, want := range []string{
		"A: a.json\nB: b.json",
		"latm version: 1 → 2",
		"user: m @ e, price 1/2 → m @ e, price 3/2",
		"maker: big @ e → not used",
		"solver: not used → s @ e2",
		"prompt cot changed",
		"prompt direct changed",
		"limit: 10 → all",
		"task ws: examples or CoT prompt changed",
		"cot role: user → solver",
		"ws/latm: n 10 → 240; the accuracies are over different instances",
		"only in A: ws/cot",
		"only in B: crt/direct",
		"| ws | latm | 50.0% | 75.0% | +25.0 | $1.00 | $2.00 | 14 | 244 |",
		"| ws | cot | 40.0% | — | — | $0.00 | — | 10 | — |",
		"| crt | direct | — | 10.0% | — | — | $0.00 | — | 240 |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("compare lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "prompt use changed") || strings.Contains(s, "task crt") || strings.Contains(s, "Same models") {
		t.Errorf("compare reports what did not change:\n%s", s)
	}

	out.Reset()
	Compare(&out, a, a, "a.json", "a.json")
	if s := out.String(); !strings.Contains(s, "Same models, endpoints, prompts and version.") || strings.Contains(s, "only in") || !strings.Contains(s, "| +0.0 |") {
		t.Errorf("a run compared with itself:\n%s", s)
	}
}
