package tool

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// packaged is what a package keeps of t: no id, version or transcript.
func packaged(t *Tool) *Tool {
	c := *t
	c.ID, c.Version, c.Status, c.Transcript = 0, 0, StatusActive, nil
	c.CreatedAt = c.CreatedAt.UTC()
	return &c
}

func TestPackageRoundTrip(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 11, 25, 3, 9, 36, 500000000, time.UTC)
	awkward := sampleTool("awkward")
	awkward.Description = "  leading space\nsecond line\n\nafter a blank line\n"
	awkward.Signature = "|"
	awkward.MakerModel = ""
	awkward.Examples = []UsageExample{
		{Question: "Q with trailing newline\n", Code: "x = 1\n\nans = x\n", Answer: ""},
		{Question: "#| looks like a block line", Code: "# --- source ---", Answer: "line\r\nwith CRLF"},
		{Question: "tabs\tand unicode ☃ ", Code: "ans = 'a'", Answer: " "},
	}
	awkward.Source = "# --- source ---\n# a comment that looks like the header\ndef f():\n    return 1" // no final newline
	awkward.CreatedAt = created
	plain := sampleTool("word_sorting")
	plain.CreatedAt = created
	noExtras := &Tool{Name: "bare", Source: "x = 1\n"}
	for _, in := range []*Tool{plain, awkward, noExtras} {
		t.Run(in.Name, func(t *testing.T) {
			enc, err := EncodePackage(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodePackage(enc)
			if err != nil {
				t.Fatalf("decode:\n%s\n%v", enc, err)
			}
			if want := packaged(in); !reflect.DeepEqual(got, want) {
				t.Fatalf("decode(encode(t)) =\n%#v\nwant\n%#v\npackage:\n%s", got, want, enc)
			}
			again, err := EncodePackage(got)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, enc) {
				t.Fatalf("re-encoding differs:\n%s\n---\n%s", enc, again)
			}
		})
	}
}

func TestPackageLooksReviewable(t *testing.T) {
	t.Parallel()
	tool := sampleTool("word_sorting")
	tool.CreatedAt = time.Date(2026, 11, 25, 3, 9, 36, 0, time.UTC)
	enc, err := EncodePackage(tool)
	if err != nil {
		t.Fatal(err)
	}
	want := `# latm tool package 1
#
# name: word_sorting
# entry: sort_words
# signature: sort_words(words)
# maker: gpt-4
# created: 2026-11-25T03:09:36Z
# description: Sort a list of words alphabetically.
#
# usage example 1
# question: Sort the following words alphabetically: List: oven costume
# code: ans = sort_words(["oven", "costume"])
# answer: costume oven
#
# usage example 2
# question: Sort the following words alphabetically: List: b a
# code: ans = sort_words(["b", "a"])
# answer: a b
#
# validation: {"question":"q","want":"a b","got":"a b","ok":true}
# validation: {"question":"r","want":"x","got":"y","ok":false,"error":"wrong"}
#
# --- source ---
def sort_words(words):
    return " ".join(sorted(words))
`
	if string(enc) != want {
		t.Fatalf("package =\n%s\nwant\n%s", enc, want)
	}
}

func TestDecodePackageErrors(t *testing.T) {
	t.Parallel()
	const head = "# latm tool package 1\n# name: t\n"
	const tail = "# --- source ---\nx = 1\n"
	tests := []struct {
		name string
		in   string
		line int
		want string
	}{
		{"empty", "", 1, "not a latm tool package"},
		{"other file", "def f(): pass\n", 1, "not a latm tool package"},
		{"crlf", "# latm tool package 1\r\n# name: t\r\n", 1, "CRLF"},
		{"no marker", head + "x = 1\n", 3, "unexpected header line"},
		{"header never ends", head, 3, "never ends"},
		{"no name", "# latm tool package 1\n" + tail, 2, "no name"},
		{"bad name", "# latm tool package 1\n# name: Bad\n" + tail, 3, "not allowed"},
		{"unknown key", head + "# colour: red\n" + tail, 3, `unknown key "colour"`},
		{"not key value", head + "# just words\n" + tail, 3, "not \"key: value\""},
		{"name twice", head + "# name: u\n" + tail, 3, "name given twice"},
		{"question outside example", head + "# question: q\n" + tail, 3, "outside a usage example"},
		{"example numbered wrong", head + "# usage example 2\n" + tail, 3, "want number 1"},
		{"example missing answer", head + "# usage example 1\n# question: q\n# code: c\n" + tail, 6, "has no answer"},
		{"example key twice", head + "# usage example 1\n# code: a\n# code: b\n" + tail, 5, "code given twice"},
		{"orphan block line", head + "#| text\n" + tail, 3, `"#|" line must follow`},
		{"empty block", head + "# description: |\n#\n" + tail, 4, "at least one"},
		{"empty block at end", head + "# description: |\n" + tail, 4, "at least one"},
		{"bad validation", head + "# validation: {not json\n" + tail, 3, "JSON"},
		{"bad created", head + "# created: yesterday\n" + tail, 3, "RFC 3339"},
		{"empty source", head + "# --- source ---\n  \n", 3, "source after the marker is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodePackage([]byte(tt.in))
			var pe *PackageError
			if !errors.As(err, &pe) {
				t.Fatalf("error = %v, want a *PackageError", err)
			}
			if pe.Line != tt.line || !strings.Contains(pe.Msg, tt.want) {
				t.Fatalf("error = %v, want line %d saying %q", err, tt.line, tt.want)
			}
		})
	}
}

// FuzzDecodePackage checks that no input crashes the parser, and that
// whatever it accepts encodes to a package that decodes to the same tool.
func FuzzDecodePackage(f *testing.F) {
	tool := sampleTool("word_sorting")
	tool.CreatedAt = time.Date(2026, 11, 25, 3, 9, 36, 0, time.UTC)
	enc, _ := EncodePackage(tool)
	f.Add(enc)
	f.Add([]byte("# latm tool package 1\n# name: t\n# description: |\n#| a\n#|\n#| b\n# --- source ---\nx"))
	f.Add([]byte("# latm tool package 1\n# name: t\n# usage example 1\n# question: |\n#| q\n# code: c\n# answer:\n# --- source ---\nx"))
	f.Add([]byte("# latm tool package 1\n# --- source ---\n"))
	f.Add([]byte("#| \n"))
	f.Add([]byte("# latm tool package 2\n# name: t\n# parser: |\n#| def parse(q):\n#|     return [q]\n# --- source ---\nx"))
	f.Add([]byte("# latm tool package 1\n# name: t\n# parser: p\n# --- source ---\nx"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := DecodePackage(data)
		if err != nil {
			var pe *PackageError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("error %v is not a positioned *PackageError", err)
			}
			return
		}
		if !utf8.Valid(data) {
			return // JSON in validation lines replaces invalid UTF-8, so only valid input must round-trip exactly
		}
		enc, err := EncodePackage(got)
		if err != nil {
			t.Fatalf("encode of an accepted package: %v", err)
		}
		back, err := DecodePackage(enc)
		if err != nil {
			t.Fatalf("re-decode: %v\n%s", err, enc)
		}
		if !reflect.DeepEqual(back, got) {
			t.Fatalf("round trip changed the tool:\n%#v\n%#v", got, back)
		}
	})
}

// FuzzPackageRoundTrip checks that any field values survive a package
// exactly, and that re-encoding gives the same bytes.
func FuzzPackageRoundTrip(f *testing.F) {
	f.Add("Sort words.", "Sort: b a", `ans = f(["b", "a"])`, "a b", "def f(w):\n    return w\n", "gpt-4")
	f.Add("  lead\n\ntrail \n", "|", "#| x\n# --- source ---", "", "# --- source ---\nx = 1", "")
	f.Add("\r\n", " ", "\n", "|", "x", " m ")
	f.Fuzz(func(t *testing.T, desc, question, code, answer, source, maker string) {
		parser := code // a parser is Starlark too; any text must survive
		if strings.TrimSpace(source) == "" {
			return // refused on purpose: a package must carry source
		}
		in := &Tool{Name: "fuzzed", Status: StatusActive, Description: desc, Source: source, Entry: "f",
			Signature: question, MakerModel: maker, Parser: parser,
			Examples:  []UsageExample{{Question: question, Code: code, Answer: answer}, {Question: answer, Code: desc, Answer: code}},
			CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
		if utf8.ValidString(desc) && utf8.ValidString(question) && utf8.ValidString(answer) {
			in.Validation = []Validation{{Question: question, Want: answer, Got: desc, OK: true}}
		}
		if strings.ContainsAny(question, "\n\r") {
			in.Signature = "f(x)" // a signature is one line in practice; it still must survive when it is not
		}
		if len(answer)%2 == 1 && utf8.ValidString(desc) {
			// A schema is one JSON object; its text and the note must survive.
			sc, _ := json.Marshal(map[string]any{"type": "object", "description": desc})
			in.ArgSchema, in.ArgSchemaFrom, in.ArgSchemaNote = string(sc), SchemaFromDerived, answer
		}
		enc, err := EncodePackage(in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodePackage(enc)
		if err != nil {
			t.Fatalf("decode of an encoded tool: %v\n%s", err, enc)
		}
		if !reflect.DeepEqual(got, in) {
			t.Fatalf("round trip =\n%#v\nwant\n%#v\npackage:\n%s", got, in, enc)
		}
		again, _ := EncodePackage(got)
		if !bytes.Equal(again, enc) {
			t.Fatal("re-encoding gives different bytes")
		}
	})
}

// A tool with a parser is a version 2 package; one without stays version 1
// byte for byte, so packages written before parsers existed import as
// before, and a version 1 file cannot smuggle in a parser.
func TestPackageVersions(t *testing.T) {
	created := time.Date(2026, 11, 25, 3, 9, 36, 0, time.UTC)
	plain := sampleTool("word_sorting")
	plain.CreatedAt = created
	v1, err := EncodePackage(plain)
	if err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(string(v1), "\n"); first != "# latm tool package 1" {
		t.Fatalf("a tool without a parser is written as %q, want version 1", first)
	}
	withParser := sampleTool("word_sorting")
	withParser.CreatedAt = created
	withParser.Parser = "def parse(question):\n    return [question.split(\"List: \")[1].split(\" \")]\n"
	v2, err := EncodePackage(withParser)
	if err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(string(v2), "\n"); first != "# latm tool package 2" {
		t.Fatalf("a tool with a parser is written as %q, want version 2", first)
	}
	if !strings.Contains(string(v2), "# parser: |\n#| def parse(question):\n") {
		t.Fatalf("the parser is not a reviewable block:\n%s", v2)
	}
	for name, c := range map[string]struct {
		data []byte
		want *Tool
	}{"v1": {v1, plain}, "v2": {v2, withParser}} {
		got, err := DecodePackage(c.data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := packaged(c.want); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: decode =\n%#v\nwant\n%#v", name, got, want)
		}
	}
	// The version 1 file written before this change (the fixed text of
	// TestPackageLooksReviewable's era) still imports.
	old := "# latm tool package 1\n#\n# name: old\n# entry: f\n# signature: f(x)\n#\n# --- source ---\ndef f(x):\n    return x\n"
	if got, err := DecodePackage([]byte(old)); err != nil || got.Name != "old" || got.Parser != "" {
		t.Fatalf("old package: %+v, %v", got, err)
	}
	smuggled := strings.Replace(string(v2), "# latm tool package 2", "# latm tool package 1", 1)
	_, err = DecodePackage([]byte(smuggled))
	var pe *PackageError
	if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "parser needs package version 2") {
		t.Fatalf("a parser in a version 1 file: %v", err)
	}
}

// A tool with an argument schema is a version 3 package (with or without
// a parser); the schema keys in an older version's file are refused, and
// a bad schema_from or schema names its line's fix.
func TestPackageVersion3(t *testing.T) {
	tl := sampleTool("word_sorting")
	tl.CreatedAt = time.Date(2026, 11, 25, 3, 9, 36, 0, time.UTC)
	tl.Parser = "def parse(question):\n    return [question.split()]\n"
	tl.ArgSchema = `{"type":"object","properties":{"words":{"type":"array","description":"the words"}},"required":["words"],"additionalProperties":false}`
	tl.ArgSchemaFrom, tl.ArgSchemaNote = SchemaFromDerived, "the maker's schema was refused: it refuses usage example 1's arguments"
	enc, err := EncodePackage(tl)
	if err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(string(enc), "\n"); first != "# latm tool package 3" {
		t.Fatalf("a tool with a schema is written as %q, want version 3", first)
	}
	if !strings.Contains(string(enc), "\n# schema: {\"type\":\"object\"") || !strings.Contains(string(enc), "\n# schema_from: derived\n") {
		t.Fatalf("the schema is not in the header:\n%s", enc)
	}
	got, err := DecodePackage(enc)
	if err != nil {
		t.Fatal(err)
	}
	if want := packaged(tl); !reflect.DeepEqual(got, want) {
		t.Fatalf("decode =\n%#v\nwant\n%#v", got, want)
	}
	for name, c := range map[string]struct{ from, to, want string }{
		"in version 2":    {"# latm tool package 3", "# latm tool package 2", "schema needs package version 3"},
		"bad schema_from": {"# schema_from: derived", "# schema_from: someone", `schema_from "someone"`},
		"schema not JSON": {"# schema: {", "# schema: [", "schema must be one JSON object"},
	} {
		_, err := DecodePackage([]byte(strings.Replace(string(enc), c.from, c.to, 1)))
		var pe *PackageError
		if !errors.As(err, &pe) || !strings.Contains(pe.Msg, c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
