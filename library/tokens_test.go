package library

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/latm/latm/tool"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t)
	hash := strings.Repeat("ab", 32)
	tok := &Token{Name: "ci", Hash: hash, Prefix: "latm_abc", Rate: 60}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if tok.ID == 0 || tok.CreatedAt.IsZero() {
		t.Fatalf("token not filled: %+v", tok)
	}
	if err := s.CreateToken(ctx, &Token{Name: "ci", Hash: strings.Repeat("cd", 32)}); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("duplicate name: %v", err)
	}
	if err := s.CreateToken(ctx, &Token{Name: "short", Hash: "abc"}); err == nil {
		t.Fatal("a short hash was accepted")
	}
	got, err := s.TokenByHash(ctx, hash)
	if err != nil || got.Name != "ci" || got.Rate != 60 || got.Revoked() {
		t.Fatalf("TokenByHash = %+v, %v", got, err)
	}
	if _, err := s.TokenByHash(ctx, strings.Repeat("00", 32)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown hash: %v", err)
	}
	if n, _ := s.ActiveTokens(ctx); n != 1 {
		t.Fatalf("%d active tokens, want 1", n)
	}
	if err := s.RevokeToken(ctx, "ci"); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, "ci"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second revoke: %v", err)
	}
	got, _ = s.TokenByHash(ctx, hash)
	if !got.Revoked() {
		t.Fatal("revoked token not marked")
	}
	all, err := s.Tokens(ctx)
	if err != nil || len(all) != 1 {
		t.Fatalf("Tokens = %v, %v", all, err)
	}
	if n, _ := s.ActiveTokens(ctx); n != 0 {
		t.Fatalf("%d active tokens after revoke, want 0", n)
	}
}

func TestBatchInputs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t)
	b := &BatchInput{ID: "b1", Tool: "sort", Input: []byte("{\"question\":\"q\"}\n{\"question\":\"r\"}\n"), Total: 2}
	if created, err := s.SaveBatchInput(ctx, b); err != nil || !created {
		t.Fatalf("save: %v %v", created, err)
	}
	if created, err := s.SaveBatchInput(ctx, b); err != nil || created {
		t.Fatalf("second save: created %v, %v", created, err)
	}
	got, err := s.LoadBatchInput(ctx, "b1")
	if err != nil || string(got.Input) != string(b.Input) || got.Total != 2 || got.Tool != "sort" {
		t.Fatalf("load = %+v, %v", got, err)
	}
	if _, err := s.LoadBatchInput(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing batch: %v", err)
	}
	if ids, _ := s.UnfinishedBatchInputs(ctx); len(ids) != 1 || ids[0] != "b1" {
		t.Fatalf("unfinished = %v, want [b1]", ids)
	}
	for _, id := range []string{"1", "2"} {
		if err := s.RecordRun(ctx, &tool.Run{Batch: "b1", InputID: id, Question: "q", ToolName: "sort", ToolVersion: 1, OK: true}); err != nil {
			t.Fatal(err)
		}
	}
	if ids, _ := s.UnfinishedBatchInputs(ctx); len(ids) != 0 {
		t.Fatalf("unfinished after every run = %v", ids)
	}
}

func TestReactivateAndStats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t)
	tl := &tool.Tool{Name: "sort", Source: "def f(x):\n    return x\n", Entry: "f", Signature: "f(x)", Description: "sorts words"}
	if err := s.SaveTool(ctx, tl); err != nil {
		t.Fatal(err)
	}
	if err := s.RetireTool(ctx, "sort", 0); err != nil {
		t.Fatal(err)
	}
	if hits, _ := s.SearchTools(ctx, "sorts", 5); len(hits) != 0 {
		t.Fatalf("retired tool found: %v", hits)
	}
	if err := s.ReactivateTool(ctx, "sort", 1); err != nil {
		t.Fatal(err)
	}
	if hits, _ := s.SearchTools(ctx, "sorts", 5); len(hits) != 1 {
		t.Fatalf("reactivated tool not indexed: %v", hits)
	}
	if err := s.ReactivateTool(ctx, "nope", 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("reactivate unknown: %v", err)
	}
	// A run of the parser path, one of the template path recorded before
	// runs kept their path (known by its code mark), one of the user model.
	for i, r := range []tool.Run{
		{Code: "ans = f(0)", Path: tool.PathParser, OK: true},
		{Code: "# template of usage example 1: 1 stretch(es) and the result have the shapes the examples had (no model call)\nans = f(1)"},
		{Code: "ans = f(2)", Path: tool.PathUser},
	} {
		r.Batch, r.InputID, r.ToolName, r.ToolVersion = "x", string(rune('a'+i)), "sort", 1
		if err := s.RecordRun(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordCall(ctx, &tool.ModelCall{Role: "user", Model: "m", Tool: "sort@1", Cost: 0.5, Status: "ok"}); err != nil {
		t.Fatal(err)
	}
	st, err := s.StatsOf(ctx, "sort")
	if err != nil {
		t.Fatal(err)
	}
	if st.Runs != 3 || st.OK != 1 || st.NoModelCalls != 2 || st.ModelCalls != 1 || st.Cost != 0.5 || st.LastRun.IsZero() {
		t.Fatalf("stats = %+v", st)
	}
	runs, err := s.RecentRuns(ctx, RunFilter{Tool: "sort", Limit: 1})
	if err != nil || len(runs) != 1 || runs[0].InputID != "c" || runs[0].Path != tool.PathUser {
		t.Fatalf("recent runs = %v, %v", runs, err)
	}
	if one, err := s.Run(ctx, "x", "a"); err != nil || one.Path != tool.PathParser || one.Guards != "" {
		t.Fatalf("run x/a = %+v, %v; want the parser path it was recorded with", one, err)
	}
}
