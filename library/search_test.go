package library

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/latm/latm/tool"
)

func TestSearchQuery(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"  ()*:-\"' ", ""},
		{"Sort the words", `"sort" OR "the" OR "words"`},
		{`name:"x" AND (y*) NOT -z`, `"name" OR "x" OR "and" OR "y" OR "not" OR "z"`},
		{"the THE The", `"the"`},
		{"Café naïve 日本語", `"café" OR "naïve" OR "日本語"`},
		{"word_sorting@2", `"word" OR "sorting" OR "2"`},
	}
	for _, tt := range tests {
		if got := SearchQuery(tt.in); got != tt.want {
			t.Errorf("SearchQuery(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	long := strings.Repeat("w", 0)
	for i := 0; i < 200; i++ {
		long += " w" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	if n := strings.Count(SearchQuery(long), " OR ") + 1; n != maxQueryTerms {
		t.Errorf("a long query kept %d terms, want %d", n, maxQueryTerms)
	}
}

// searchFixture is a library of a few BIG-Bench-Hard-like tools.
func searchFixture(t testing.TB) *Store {
	t.Helper()
	s := mustOpen(t)
	tools := []*tool.Tool{
		{Name: "word_sorting", Description: "Sort a list of words alphabetically.", Source: "x = 1",
			Examples: []tool.UsageExample{{Question: "Sort the following words alphabetically: List: oven costume", Code: "ans = 1"}}},
		{Name: "dyck_languages", Description: "Complete a sequence of brackets so that they are properly closed.", Source: "x = 1",
			Examples: []tool.UsageExample{{Question: "Complete the rest of the sequence, making sure that the parentheses are closed properly. Input: ( [", Code: "ans = 1"}}},
		{Name: "date_understanding", Description: "Answer questions about dates: what day is it in MM/DD/YYYY.", Source: "x = 1",
			Examples: []tool.UsageExample{{Question: "Today is Christmas Eve of 1937. What is the date tomorrow in MM/DD/YYYY?", Code: "ans = 1"}}},
		{Name: "boolean_expressions", Description: "Evaluate a boolean expression of True, False, and, or, not.", Source: "x = 1",
			Examples: []tool.UsageExample{{Question: "not ( True ) and ( True ) is", Code: "ans = 1"}}},
	}
	for _, tl := range tools {
		if err := s.SaveTool(context.Background(), tl); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestSearchTools(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := searchFixture(t)
	tests := []struct {
		query string
		top   string // "" for no hit
	}{
		{"Sort the following words alphabetically: List: syndrome therefrom", "word_sorting"},
		{"Complete the rest of the sequence, making sure that the parentheses are closed properly. Input: [ { [", "dyck_languages"},
		{"Yesterday was April 30, 2021. What is the date today in MM/DD/YYYY?", "date_understanding"},
		{"True and not not ( not False ) is", "boolean_expressions"},
		{"dyck", "dyck_languages"}, // the name, split at '_', is searchable
		{`"unbalanced (quote -minus: *star`, ""},
		{"zzzz qqqq", ""},
		{"", ""},
	}
	for _, tt := range tests {
		hits, err := s.SearchTools(ctx, tt.query, 3)
		if err != nil {
			t.Fatalf("SearchTools(%q): %v", tt.query, err)
		}
		if tt.top == "" {
			if len(hits) != 0 {
				t.Errorf("SearchTools(%q) = %+v, want no hits", tt.query, hits)
			}
			continue
		}
		if len(hits) == 0 || hits[0].Name != tt.top || hits[0].Version != 1 {
			t.Errorf("SearchTools(%q) = %+v, want %s first", tt.query, hits, tt.top)
			continue
		}
		for i := 1; i < len(hits); i++ {
			if hits[i].Score > hits[i-1].Score {
				t.Errorf("SearchTools(%q): scores not descending: %+v", tt.query, hits)
			}
		}
		if hits[0].Score <= 0 {
			t.Errorf("SearchTools(%q): top score %v, want > 0 (higher is better)", tt.query, hits[0].Score)
		}
	}
	hits, err := s.SearchTools(ctx, "the", 2)
	if err != nil || len(hits) > 2 {
		t.Fatalf("limit 2: %d hits, %v", len(hits), err)
	}
}

// FuzzSearchTools checks that no instance text, however hostile, makes the
// FTS5 query a syntax error.
func FuzzSearchTools(f *testing.F) {
	for _, seed := range []string{
		"", `"`, `""`, "(", ")", "a:b", "-x", "*", "NEAR(a b)", "a AND OR NOT b", "^x", "{a b}: c",
		"Café 日本語 ﬁ ǅ", "\x00\xff", "col:term", "a + b", "'single'", "x*y*", strings.Repeat("(", 1000),
	} {
		f.Add(seed)
	}
	s := searchFixture(f)
	f.Fuzz(func(t *testing.T, q string) {
		fts := SearchQuery(q)
		if strings.Count(fts, `"`)%2 != 0 {
			t.Fatalf("unbalanced quotes in %s", fts)
		}
		if !utf8.ValidString(fts) {
			t.Fatalf("SearchQuery(%q) = %q is not UTF-8", q, fts)
		}
		if _, err := s.SearchTools(context.Background(), q, 5); err != nil {
			t.Fatalf("SearchTools(%q) [fts %s]: %v", q, fts, err)
		}
	})
}
