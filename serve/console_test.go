package serve

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestConsolePagesRender(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	tool := sortTool()
	tool.Description = "Sorts <words> & such"
	e.save(tool)
	e.call("POST", "/v1/solve", map[string]any{"question": "Sort the following words alphabetically: List: don't stop", "tool": "word_sorting"}, 200, nil)
	e.call("POST", "/v1/solve", map[string]any{"question": "What is six times seven, in the almanac's format?"}, 200, nil)

	code, home, h := e.do("GET", "/", "", nil)
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || h.Get("Content-Security-Policy") == "" {
		t.Fatalf("home: %d %v", code, h)
	}
	for _, want := range []string{"word_sorting@1", "Sorts &lt;words&gt; &amp; such", `id="cost-chart"`, `class="bar cost"`, `class="bar usermodel"`, "1 pending"} {
		if !strings.Contains(string(home), want) {
			t.Errorf("home lacks %q", want)
		}
	}
	code, page, _ := e.do("GET", "/ui/tools/word_sorting", "", nil)
	for _, want := range []string{`<span class="k">def</span>`, `<span class="s">&#34;&#34;&#34;Sorts words alphabetically and joins them with spaces.&#34;&#34;&#34;</span>`, "don&#39;t stop", "&#34;required&#34;"} {
		if code != 200 || !strings.Contains(string(page), want) {
			t.Errorf("tool page (%d) lacks %q", code, want)
		}
	}
	code, page, _ = e.do("GET", "/ui/pending", "", nil)
	if code != 200 || !strings.Contains(string(page), "almanac") || !strings.Contains(string(page), `class="label-form"`) {
		t.Errorf("pending page: %d", code)
	}
	if code, _, _ := e.do("GET", "/ui/static/console.js", "", nil); code != 200 {
		t.Errorf("script: %d", code)
	}
	if code, _, _ := e.do("GET", "/ui/tools/nope", "", nil); code != 404 {
		t.Errorf("unknown tool page: %d", code)
	}
}

func TestConsoleLoginWhenTokensAreRequired(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{RequireTokens: true})
	secret := e.token("web", 0)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(e.http.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/login" {
		t.Fatalf("home without a token: %d %v", resp.StatusCode, resp.Header)
	}
	resp, err = noRedirect.PostForm(e.http.URL+"/ui/login", url.Values{"token": {"latm_wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.Contains(resp.Header.Get("Location"), "error") || len(resp.Cookies()) != 0 {
		t.Fatalf("bad token login: %v", resp.Header)
	}
	resp, err = noRedirect.PostForm(e.http.URL+"/ui/login", url.Values{"token": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookies := resp.Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("login cookies %+v", cookies)
	}
	get := func(method, path string, header bool) int {
		req, _ := http.NewRequest(method, e.http.URL+path, strings.NewReader(`{"answer":"x"}`))
		req.AddCookie(cookies[0])
		if header {
			req.Header.Set(consoleHeader, "1")
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("GET", "/", false); code != 200 {
		t.Fatalf("home with the cookie: %d", code)
	}
	if code := get("GET", "/v1/tools", false); code != 200 {
		t.Fatalf("API read with the cookie: %d", code)
	}
	// A write with the cookie alone (what a cross-site form could send) is refused.
	if code := get("POST", "/v1/pending/x:y/label", false); code != 401 {
		t.Fatalf("cookie-only write: %d, want 401", code)
	}
	if code := get("POST", "/v1/pending/x:y/label", true); code != 404 {
		t.Fatalf("console write: %d, want 404 (authorized, no such instance)", code)
	}
}

func TestHighlightEscapes(t *testing.T) {
	t.Parallel()
	got := string(highlight("def f(x):\n    # <b>\n    return \"</pre>\" + 'a\\'b' + 12\n"))
	for _, want := range []string{`<span class="k">def</span>`, `<span class="c"># &lt;b&gt;</span>`, `<span class="s">&#34;&lt;/pre&gt;&#34;</span>`, `<span class="s">&#39;a\&#39;b&#39;</span>`, `<span class="n">12</span>`} {
		if !strings.Contains(got, want) {
			t.Errorf("highlight lacks %s in %s", want, got)
		}
	}
	if strings.Contains(got, "<b>") || strings.Contains(got, "</pre>") {
		t.Fatalf("unescaped markup in %s", got)
	}
}

func FuzzHighlight(f *testing.F) {
	f.Add("def f(x):\n    return 'a' # c\n")
	f.Add(`"""unterminated`)
	f.Add("'\\")
	f.Fuzz(func(t *testing.T, src string) {
		got := string(highlight(src))
		stripped := strings.NewReplacer(`<span class="k">`, "", `<span class="s">`, "", `<span class="n">`, "", `<span class="c">`, "", "</span>", "").Replace(got)
		if strings.ContainsAny(stripped, "<>") {
			t.Fatalf("markup beyond the spans: %q", got)
		}
	})
}
