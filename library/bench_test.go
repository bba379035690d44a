package library

import (
	"context"
	"fmt"
	"math/rand"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/latm/latm/tool"
)

// benchWords is a synthetic vocabulary: distinct pseudo-words, so that
// term frequencies look like text, not like one repeated word.
func benchWords(n int) []string {
	syl := []string{"ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "zi", "bu", "da", "fe", "gi", "ho", "ju"}
	words := make([]string, n)
	for i := range words {
		var b strings.Builder
		for x := i + 1; x > 0; x /= len(syl) {
			b.WriteString(syl[x%len(syl)])
		}
		words[i] = b.String()
	}
	return words
}

func benchSentence(r *rand.Rand, words []string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = words[r.Intn(len(words))]
	}
	return strings.Join(parts, " ")
}

// benchLibrary fills a store with n tools of 3 usage examples each.
func benchLibrary(b *testing.B, n int) (*Store, []string) {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	r := rand.New(rand.NewSource(1))
	words := benchWords(3000)
	var questions []string
	for i := 0; i < n; i++ {
		t := &tool.Tool{Name: fmt.Sprintf("tool_%d", i), Description: benchSentence(r, words, 12), Source: "def f(x):\n    return x\n"}
		for j := 0; j < 3; j++ {
			q := benchSentence(r, words, 30)
			t.Examples = append(t.Examples, tool.UsageExample{Question: q, Code: "ans = f(1)", Answer: "1"})
			questions = append(questions, q)
		}
		if err := s.SaveTool(context.Background(), t); err != nil {
			b.Fatal(err)
		}
	}
	return s, questions
}

func BenchmarkSaveTool(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		t := sampleTool(fmt.Sprintf("tool_%d", i%50))
		if err := s.SaveTool(ctx, t); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSaveToolParallel is several writers on one Store: it measures
// throughput under the write lock, not per-save latency.
func BenchmarkSaveToolParallel(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t := sampleTool(fmt.Sprintf("tool_%d", n.Add(1)%50))
			if err := s.SaveTool(context.Background(), t); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkSearchTools(b *testing.B) {
	for _, n := range []int{100, 1000, 5000} {
		b.Run(fmt.Sprintf("tools=%d", n), func(b *testing.B) {
			s, questions := benchLibrary(b, n)
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				// A known instance, lightly changed, as the dispatcher sees it.
				q := questions[(i*7919)%len(questions)] + " (A) yes (B) no"
				if _, err := s.SearchTools(ctx, q, 5); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkToolNewest(b *testing.B) {
	s, _ := benchLibrary(b, 1000)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Tool(ctx, fmt.Sprintf("tool_%d", i%1000), 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkToolsList(b *testing.B) {
	s, _ := benchLibrary(b, 1000)
	ctx := context.Background()
	for b.Loop() {
		if tools, err := s.Tools(ctx, false); err != nil || len(tools) != 1000 {
			b.Fatal(len(tools), err)
		}
	}
}

func BenchmarkRecordRun(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		r := &tool.Run{Batch: "bench", InputID: fmt.Sprint(i), Question: "q", ToolName: "t", ToolVersion: 1, Answer: "a", OK: true}
		if err := s.RecordRun(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCacheGet(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	value := []byte(strings.Repeat("x", 2048))
	for i := 0; i < 1000; i++ {
		if err := s.CachePut(ctx, fmt.Sprint(i), value); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; b.Loop(); i++ {
		if _, ok, err := s.CacheGet(ctx, fmt.Sprint(i%1000)); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
