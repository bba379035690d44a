package library

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latm/latm/tool"
)

// A version's state is counted from its checks: distinct questions agreed
// per path, undecided checks, and the first disagreement with all it
// recorded; another version or another hash counts apart. A file made
// before migration 6 gains the table empty.
func TestShadowStateCountsChecks(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "latm.db")
	old, err := openUpTo(ctx, path, 5)
	if err != nil {
		t.Fatal(err)
	}
	old.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	key := tool.ShadowKey{Tool: "word_sorting", Version: 1, Hash: "h1"}
	if st, err := s.ShadowState(ctx, key); err != nil || len(st.Agreed) != 0 || st.Undecided != 0 || st.Off != nil {
		t.Fatalf("fresh state %+v, %v", st, err)
	}
	add := func(k tool.ShadowKey, path, q, outcome string) {
		t.Helper()
		c := &tool.ShadowCheck{Key: k, Path: path, Batch: "b", InputID: q, Question: q, NoModelAnswer: "a", ModelAnswer: "a", Outcome: outcome}
		if err := s.RecordShadowCheck(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	add(key, tool.PathTemplate, "q1", tool.ShadowAgreed)
	add(key, tool.PathTemplate, "q1", tool.ShadowAgreed) // the same question again
	add(key, tool.PathTemplate, "q2", tool.ShadowAgreed)
	add(key, tool.PathParser, "q1", tool.ShadowAgreed)
	add(key, tool.PathParser, "q3", tool.ShadowUndecided)
	add(tool.ShadowKey{Tool: "word_sorting", Version: 2, Hash: "h1"}, tool.PathTemplate, "q4", tool.ShadowDisagreed)
	add(tool.ShadowKey{Tool: "word_sorting", Version: 1, Hash: "h2"}, tool.PathTemplate, "q5", tool.ShadowDisagreed)
	st, err := s.ShadowState(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if st.Agreed[tool.PathTemplate] != 2 || st.Agreed[tool.PathParser] != 1 || st.Undecided != 1 || st.Off != nil {
		t.Fatalf("state %+v", st)
	}

	before := time.Now().Add(-time.Second)
	first := &tool.ShadowCheck{Key: key, Path: tool.PathParser, Batch: "b2", InputID: "7", Question: "Sort: b a",
		NoModelAnswer: "a b", ModelAnswer: "b a", Outcome: tool.ShadowDisagreed}
	if err := s.RecordShadowCheck(ctx, first); err != nil {
		t.Fatal(err)
	}
	add(key, tool.PathTemplate, "q9", tool.ShadowDisagreed)
	s.Close()
	// Read back through a new handle: the state is in the file.
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err = s.ShadowState(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	off := st.Off
	if off == nil || off.Path != tool.PathParser || off.Batch != "b2" || off.InputID != "7" || off.Question != "Sort: b a" ||
		off.NoModelAnswer != "a b" || off.ModelAnswer != "b a" || off.Key != key || off.At.Before(before) || off.At.After(time.Now()) {
		t.Fatalf("off = %+v, want the first disagreement", off)
	}

	if err := s.RecordShadowCheck(ctx, &tool.ShadowCheck{Key: key, Path: tool.PathTemplate, Outcome: "maybe"}); err == nil || !strings.Contains(err.Error(), `outcome "maybe"`) {
		t.Fatalf("a bad outcome: %v", err)
	}
	if err := s.RecordShadowCheck(ctx, &tool.ShadowCheck{Key: key, Path: tool.PathUser, Outcome: tool.ShadowAgreed}); err == nil {
		t.Fatal("a check of the user path was stored")
	}
}

// Checks recorded at once through several handles are all counted.
func TestShadowChecksFromSeveralHandles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "latm.db")
	key := tool.ShadowKey{Tool: "t", Version: 1, Hash: "h"}
	const handles, each = 3, 10
	var wg sync.WaitGroup
	for h := range handles {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for i := range each {
			wg.Add(1)
			go func() {
				defer wg.Done()
				q := fmt.Sprintf("q%d-%d", h, i)
				if err := s.RecordShadowCheck(ctx, &tool.ShadowCheck{Key: key, Path: tool.PathTemplate, Question: q, Outcome: tool.ShadowAgreed}); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st, err := s.ShadowState(ctx, key); err != nil || st.Agreed[tool.PathTemplate] != handles*each {
		t.Fatalf("state %+v, %v; want %d agreed", st, err, handles*each)
	}
}

// A file that recorded migration 6 while it was a reserved placeholder
// has no shadow_checks table: the first use creates it.
func TestShadowTableMadeForAFileWithThePlaceholder(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "latm.db")
	old, err := openUpTo(ctx, path, 5)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.db.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (6, '0006_shadow.sql', '2026-12-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	old.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'shadow_checks'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the table exists already (%d, %v): the test does not build the placeholder's file", n, err)
	}
	key := tool.ShadowKey{Tool: "t", Version: 1, Hash: "h"}
	if st, err := s.ShadowState(ctx, key); err != nil || st.Off != nil {
		t.Fatalf("state on the placeholder's file: %+v, %v", st, err)
	}
	if err := s.RecordShadowCheck(ctx, &tool.ShadowCheck{Key: key, Path: tool.PathTemplate, Question: "q", Outcome: tool.ShadowAgreed}); err != nil {
		t.Fatal(err)
	}
	if st, err := s.ShadowState(ctx, key); err != nil || st.Agreed[tool.PathTemplate] != 1 {
		t.Fatalf("state %+v, %v", st, err)
	}
}

// BenchmarkShadowState is the read every solve on a no-model path makes,
// with a version's checks and 1 000 other versions' in the file.
func BenchmarkShadowState(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b)
	for v := range 1000 {
		for i := range 5 {
			c := &tool.ShadowCheck{Key: tool.ShadowKey{Tool: "t", Version: v + 1, Hash: "h"}, Path: tool.PathTemplate, Question: fmt.Sprint(i), Outcome: tool.ShadowAgreed}
			if err := s.RecordShadowCheck(ctx, c); err != nil {
				b.Fatal(err)
			}
		}
	}
	key := tool.ShadowKey{Tool: "t", Version: 500, Hash: "h"}
	b.ResetTimer()
	for range b.N {
		if st, err := s.ShadowState(ctx, key); err != nil || st.Agreed[tool.PathTemplate] != 5 {
			b.Fatal(st, err)
		}
	}
}
