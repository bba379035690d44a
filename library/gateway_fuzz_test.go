package library

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var (
	apiKeyShape = regexp.MustCompile(`sk-[A-Za-z0-9_\-]{6,}`)
	bearerToken = regexp.MustCompile(`(?i)bearer\s+([^\s"',;]+)`)
)

// A request's detail is outside text (an upstream error body may echo a
// key): whatever it holds, the stored form is bounded, valid UTF-8 when the
// input was, and keeps no API key or bearer token.
func FuzzScrubDetail(f *testing.F) {
	for _, s := range []string{
		"", "tool error: division by zero",
		`upstream 401: {"error":"Incorrect API key provided: sk-proj-abcdef123456"}`,
		"Authorization: Bearer abc.def.ghi", "api_key=hunter2&x=1", `{"token": "t0k3n"}`,
		strings.Repeat("é", 700), strings.Repeat("sk-", 300) + "aaaaaaaa",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := scrubDetail(in)
		if len(out) > maxDetail+len("…") {
			t.Fatalf("stored detail is %d bytes, over %d", len(out), maxDetail)
		}
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("valid input %q became invalid UTF-8 %q", in, out)
		}
		if m := apiKeyShape.FindString(out); m != "" {
			t.Fatalf("stored detail %q keeps the key %q", out, m)
		}
		for _, m := range bearerToken.FindAllStringSubmatch(out, -1) {
			tok := strings.TrimSuffix(m[1], "…")
			if !strings.HasPrefix(tok, "[redacted]") && !strings.HasPrefix("[redacted]", tok) {
				t.Fatalf("stored detail %q keeps the bearer token %q", out, m[1])
			}
		}
	})
}
