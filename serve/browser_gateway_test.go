package serve

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/latm/latm/tool"
)

// The gateway's part of the console in a real browser: a tenant signs in,
// sees its savings chart and its tool's phase, and the tool page's phase
// history with the agreement that decided each change.
func TestConsoleGatewayInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	e := newEnv(t, Options{RequireTokens: true})
	secret := e.token("acme", 0)
	e.save(sortTool())
	bg := context.Background()
	for _, c := range []tool.PhaseChange{
		{Tool: "word_sorting", Version: 1, To: tool.PhaseShadow, Reason: "made from 6 labelled requests", At: time.Now().Add(-2 * time.Hour)},
		{Tool: "word_sorting", Version: 1, From: tool.PhaseShadow, To: tool.PhaseLive, Agreed: 19, Compared: 20, Reason: "19 of 20 agreed (95% >= 95%)", At: time.Now().Add(-time.Hour)},
	} {
		if err := e.store.RecordPhaseChange(bg, c); err != nil {
			t.Fatal(err)
		}
	}
	today := time.Now().UTC()
	for i := 0; i < 3; i++ {
		for _, r := range []tool.GatewayRequest{
			{Tenant: "acme", Served: tool.ServedUpstream, UpstreamCost: 0.02, At: today.AddDate(0, 0, i-2)},
			{Tenant: "acme", Served: tool.ServedTool, Tool: "word_sorting@1", UpstreamCost: 0.02, Estimated: true, At: today.AddDate(0, 0, i-2)},
			{Tenant: "other", Served: tool.ServedPassthrough, UpstreamCost: 9, At: today.AddDate(0, 0, i-2)},
		} {
			if err := e.store.RecordGatewayRequest(bg, &r); err != nil {
				t.Fatal(err)
			}
		}
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
		chromedp.SetValue(`input[name=token]`, secret), chromedp.Submit(`input[name=token]`), chromedp.WaitVisible(`#gateway-chart`))
	// acme's own figures only: 3 of 6 requests, never the other tenant's 9.0 per request.
	if got := text("#gateway-summary"); !strings.Contains(got, "3 of 6 requests answered by tools") || !strings.Contains(got, "would have cost 0.1200") ||
		!strings.Contains(got, "3 requests' upstream cost estimated") {
		t.Fatalf("gateway summary: %q", got)
	}
	if n := count(`[...document.querySelectorAll("#gateway-chart rect.bar.bytool")].filter(r => r.getAttribute("height") > 0).length`); n != 3 {
		t.Fatalf("%d tool bars with a height in the gateway chart, want 3 (one a day)", n)
	}
	if n := count(`document.querySelectorAll("#gateway-cost-chart rect.bar.spent").length`); n != 3 {
		t.Fatalf("%d spent bars, want 3", n)
	}
	if got := text("#tools .phase"); got != "live" {
		t.Fatalf("tool phase in the listing: %q", got)
	}
	screenshot(t, ctx, "console-gateway.png")

	step("open the tool", chromedp.Navigate(e.http.URL+"/ui/tools/word_sorting"), chromedp.WaitVisible(`#phases`))
	if n := count(`document.querySelectorAll("#phases tr.phase-change").length`); n != 2 {
		t.Fatalf("%d phase changes on the tool page, want 2", n)
	}
	if got := text("#phases"); !strings.Contains(got, "shadow → live") || !strings.Contains(got, "19 of 20") || !strings.Contains(got, "19 of 20 agreed (95% >= 95%)") {
		t.Fatalf("phase history: %q", got)
	}
}
