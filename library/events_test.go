package library

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/latm/latm/tool"
)

func TestRecordCallOnceCountsAnEventOnce(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i, want := range []bool{true, false, false} {
		got, err := s.RecordCallOnce(ctx, "w1.7", &tool.ModelCall{Role: "user", Model: "m", TokensIn: 10, Cost: 0.5})
		if err != nil || got != want {
			t.Fatalf("delivery %d: recorded %v (%v), want %v", i+1, got, err, want)
		}
	}
	if ok, err := s.RecordCallOnce(ctx, "w1.8", &tool.ModelCall{Role: "user", Model: "m", Cost: 0.25}); !ok || err != nil {
		t.Fatalf("another key: %v %v", ok, err)
	}
	rows, err := s.CostReport(ctx, "role")
	if err != nil || len(rows) != 1 || rows[0].Calls != 2 || rows[0].Cost != 0.75 {
		t.Errorf("ledger %+v (%v), want the two events once each", rows, err)
	}
}
