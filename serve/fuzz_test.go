package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/latm/latm/tool"
)

// FuzzParseBatch: any body parses into items or is refused with an
// InputError, never a panic; accepted items have unique ids and questions.
func FuzzParseBatch(f *testing.F) {
	f.Add([]byte(batchBody))
	f.Add([]byte("{\"id\": null, \"question\": \"q\"}\n"))
	f.Add([]byte("{\"id\": 1.5e3, \"question\": \"q\"}\n{\"id\": \"1500\", \"question\": \"r\"}"))
	f.Add([]byte("\xff\xfe{"))
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := parseBatch(body)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an InputError", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, it := range items {
			if seen[it.id] || strings.TrimSpace(it.question) == "" || strings.Contains(it.id, ":") {
				t.Fatalf("bad item %+v", it)
			}
			seen[it.id] = true
		}
	})
}

// FuzzCallArgs: args are positional, keyword, none, or an InputError.
func FuzzCallArgs(f *testing.F) {
	for _, s := range []string{`[1, "a", [true]]`, `{"words": ["a"]}`, `null`, ``, `"x"`, `[1,`, `{"a": 1e400}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		args, kwargs, err := callArgs(json.RawMessage(raw))
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != "args" {
				t.Fatalf("error %v", err)
			}
			return
		}
		if args != nil && kwargs != nil {
			t.Fatal("both positional and keyword arguments")
		}
	})
}

// FuzzDecode: any body for /v1/solve decodes or is refused as a bad input
// (or a too-large body), never a panic or another error.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"question": "q", "tool": "t"}`, `{"question": 1}`, `{"x": 1}`, `{} {}`, `[`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/v1/solve", strings.NewReader(body))
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1<<10)
		var b solveBody
		err := decode(r, &b)
		var ie *InputError
		var mbe *http.MaxBytesError
		if err != nil && !errors.As(err, &ie) && !errors.As(err, &mbe) {
			t.Fatalf("error %v (%T)", err, err)
		}
	})
}

// FuzzArgsSchema: the schema of any signature is JSON whose properties
// are names taken from the signature.
func FuzzArgsSchema(f *testing.F) {
	for _, s := range []string{"f(a, b=[1, 2], *args, **kw)", "f(s=\"a,b\", t='(')", "f(", "f)", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sig string) {
		schema := ArgsSchema(&tool.Tool{Entry: "f", Signature: sig})
		b, err := json.Marshal(schema)
		if err != nil || !bytes.HasPrefix(b, []byte("{")) {
			t.Fatalf("schema %s, %v", b, err)
		}
		for name := range schema["properties"].(map[string]any) {
			if !strings.Contains(sig, name) || strings.ContainsAny(name, "=*,") {
				t.Fatalf("property %q not a parameter of %q", name, sig)
			}
		}
	})
}

func TestArgsSchema(t *testing.T) {
	t.Parallel()
	s := ArgsSchema(&tool.Tool{Entry: "f", Signature: `f(words, sep=", ", *rest, limit=[1, 2])`})
	props := s["properties"].(map[string]any)
	if len(props) != 3 || props["sep"] == nil || props["limit"] == nil {
		t.Fatalf("properties %v", props)
	}
	if req := s["required"].([]string); len(req) != 1 || req[0] != "words" {
		t.Fatalf("required %v", req)
	}
}
