package library

import (
	"context"
	"testing"

	"github.com/latm/latm/tool"
)

func TestSavings(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	for i, path := range []string{tool.PathParser, tool.PathParser, tool.PathTemplate, tool.PathUser} {
		r := &tool.Run{Batch: "b1", InputID: string(rune('a' + i)), Question: "q", ToolName: "word_sorting", ToolVersion: 1, Path: path, OK: true}
		if err := s.RecordRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []tool.ModelCall{
		{Role: "maker", Model: "big", Tool: "word_sorting", TokensIn: 1000, TokensOut: 500, Cost: 0.10, Status: "ok"},
		{Role: "user", Model: "small", Tool: "word_sorting@1", TokensIn: 400, TokensOut: 50, Cost: 0.004, Status: "ok"},
		{Role: "solver", Model: "big", TokensIn: 200, TokensOut: 100, Cost: 0.02, Status: "ok"},
	} {
		if err := s.RecordCall(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
	d, err := s.EstimateDirect(ctx, 2.0, 8.0)
	if err != nil {
		t.Fatal(err)
	}
	// 200 tokens in at 2/M, 100 out at 8/M.
	if want := (200*2.0 + 100*8.0) / 1e6; d.PerCall != want || d.TokensIn != 200 {
		t.Fatalf("direct %+v, want %v per call", d, want)
	}
	rows, err := s.Savings(ctx, "tool", d)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("rows %+v", rows)
	}
	r := rows[0]
	if r.Instances != 4 || r.Parser != 2 || r.Template != 1 || r.User != 1 || r.UserCalls != 1 || r.UserCost != 0.004 || r.MakeCalls != 1 || r.MakeCost != 0.10 {
		t.Fatalf("row %+v", r)
	}
	// Per instance: direct 0.0012, user 0.001 → gain 0.0002; 0.10 / 0.0002 = 500.
	if r.BreakEven != 500 {
		t.Fatalf("break-even %d, want 500", r.BreakEven)
	}
	if _, err := s.Savings(ctx, "day", d); err == nil {
		t.Fatal("savings by day accepted")
	}
	batches, err := s.Savings(ctx, "batch", d)
	if err != nil || len(batches) != 1 || batches[0].Key != "b1" || batches[0].UserCalls != 1 {
		t.Fatalf("batch rows %+v, %v", batches, err)
	}
}
