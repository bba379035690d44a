package library

import (
	"context"
	"reflect"
	"testing"

	"github.com/latm/latm/tool"
)

func TestPathStatsOf(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	for i, r := range []tool.Run{
		{Path: tool.PathParser, OK: true, Guards: "parser: 1 argument(s) and the result have the shapes the examples had"},
		{Path: tool.PathTemplate, OK: true, Guards: "parser refused: the argument has another shape\ntemplate of usage example 1: fits"},
		{Path: tool.PathUser, OK: true, Guards: "template refused: stretch 1 is spaced\ngrounding refused: 530141610758 is a usage example's"},
		{Path: tool.PathUser, OK: false, Error: "ungrounded: 530141610758", Guards: "grounding refused: 530141610758\ngrounding refused: 530141610758"},
		{OK: true}, // recorded before runs kept their path
	} {
		r.Batch, r.InputID, r.ToolName, r.ToolVersion = "b", string(rune('a'+i)), "sort", 1
		if err := s.RecordRun(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.PathStatsOf(ctx, "sort")
	if err != nil {
		t.Fatal(err)
	}
	want := PathStats{
		Paths: []PathCount{{Path: "", OK: 1}, {Path: "parser", OK: 1}, {Path: "template", OK: 1}, {Path: "user", OK: 1, Failed: 1}},
		// The failed run met grounding twice: one run, counted once.
		Refusals: map[string]int{"parser": 1, "template": 1, "grounding": 2},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("path stats\n got %+v\nwant %+v", got, want)
	}
	byTool, err := s.BatchPathStats(ctx, "b")
	if err != nil || len(byTool) != 1 || !reflect.DeepEqual(byTool["sort@1"], want) {
		t.Errorf("batch path stats %+v, %v; want sort@1 alone, as above", byTool, err)
	}
	if none, err := s.PathStatsOf(ctx, "other"); err != nil || len(none.Paths) != 0 || len(none.Refusals) != 0 {
		t.Errorf("a tool with no runs: %+v, %v", none, err)
	}
}
