package serve

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the console screenshots to docs/")

// chromium finds a Chromium or Chrome binary: $LATM_CHROMIUM, then the
// usual names. Without one the browser test is skipped, except in CI
// (CI=true), where it fails: .ci/run installs Debian's chromium.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LATM_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium binary in CI: .ci/run should have installed Debian's chromium (apt-get install -y chromium)")
	}
	t.Skip("no chromium binary (apt-get install -y chromium, or set LATM_CHROMIUM); the console's browser test is skipped")
	return ""
}

// browser starts a headless Chromium with a fresh profile and no network
// beyond what the pages ask for (they only ask the test server).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("window-size", "1280,1000"),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// screenshot writes the page to docs/NAME with -update-screenshots, and
// otherwise does nothing: no test reads it, and a full-page PNG costs the
// browser a second of CPU.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if !*updateScreenshots {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join("..", "docs", name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The console end to end in a real browser: sign in with a token, see the
// tools and the charts, answer a question in the try-it box with its route
// and guard trace, and label a pending instance.
func TestConsoleInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	e := newEnv(t, Options{RequireTokens: true})
	secret := e.token("web", 0)
	e.save(sortTool())
	// Some history for the charts, and a pending instance.
	for _, q := range []string{"Sort the following words alphabetically: List: don't stop", "Sort the following words alphabetically: List: plum fig kiwi"} {
		if _, err := e.local.Solve(t.Context(), SolveRequest{Question: q, Tool: "word_sorting"}); err != nil {
			t.Fatal(err)
		}
	}
	// web's own question (a tenant sees only its own pending instances).
	unk, err := e.local.Solve(t.Context(), SolveRequest{Question: "What is six times seven, in the almanac's format?", Tenant: "web"})
	if err != nil || unk.Status != "pending" {
		t.Fatalf("unknown question: %+v %v", unk, err)
	}

	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		s, err := chromedp.Run(sctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	count := func(js string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return n
	}

	step("sign in", chromedp.Navigate(e.http.URL+"/"), chromedp.WaitVisible(`input[name=token]`),
		chromedp.SetValue(`input[name=token]`, secret), chromedp.Submit(`input[name=token]`), chromedp.WaitVisible(`#tools table`))
	if got := text("#tools"); !strings.Contains(got, "word_sorting@1") || !strings.Contains(got, "1 pending") {
		t.Fatalf("tools section: %q", got)
	}
	if n := count(`document.querySelectorAll("#cost-chart rect.bar").length`); n < 1 {
		t.Fatalf("%d bars in the cost chart", n)
	}
	if n := count(`document.querySelectorAll("#savings-chart rect.bar.nomodel").length`); n < 1 {
		t.Fatalf("%d no-model bars in the savings chart", n)
	}
	screenshot(t, ctx, "console-home.png")

	step("try it", chromedp.SetValue(`#try-question`, "Sort the following words alphabetically: List: kiwi banana cherry"),
		chromedp.Click(`#try-submit`), chromedp.WaitVisible(`#try-result`))
	if got := text("#try-answer"); got != "banana cherry kiwi" {
		t.Fatalf("try-it answer %q", got)
	}
	if meta, trace := text("#try-meta"), text("#try-trace"); !strings.Contains(meta, "word_sorting@1") || !strings.Contains(trace, "template: allowed") {
		t.Fatalf("try-it meta %q, trace %q", meta, trace)
	}
	screenshot(t, ctx, "console-try.png")

	step("open the tool", chromedp.Navigate(e.http.URL+"/ui/tools/word_sorting"), chromedp.WaitVisible(`pre.source`))
	if n := count(`document.querySelectorAll("pre.source span.k").length`); n < 2 {
		t.Fatalf("%d highlighted keywords", n)
	}

	step("label", chromedp.Navigate(e.http.URL+"/ui/pending"), chromedp.WaitVisible(`.label-form input[name=answer]`),
		chromedp.SetValue(`.label-form input[name=answer]`, "42"), chromedp.Click(`.label-form button`),
		chromedp.WaitVisible(`.label-status.done`))
	ps, err := e.store.PendingInstances(t.Context(), -1)
	if err != nil || len(ps) != 1 || ps[0].Label != "42" || ps[0].LabelSource != "human" {
		t.Fatalf("pending after labelling in the browser: %+v %v", ps, err)
	}
	screenshot(t, ctx, "console-pending.png")
}
