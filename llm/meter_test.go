package llm

import (
	"context"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
)

func TestMeterCountsCallsUnderItsContext(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.srv.Script(fakeopenai.Match{Contains: "bad"}, fakeopenai.Reply{Status: 400})
	h.srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: "ok", PromptTokens: 1000, OutTokens: 500})
	outerCtx, outer := WithMeter(context.Background())
	innerCtx, inner := WithMeter(outerCtx)
	for _, ctx := range []context.Context{outerCtx, innerCtx, innerCtx, context.Background()} {
		if _, err := h.c.Chat(ctx, ask("q")); err != nil {
			t.Fatal(err)
		}
	}
	// A failed call counts too.
	if _, err := h.c.Chat(innerCtx, ask("bad")); err == nil {
		t.Fatal("400 accepted")
	}
	// Prices are 1 in and 2 out per million tokens: 0.002 per call.
	if got := inner.Totals(); got.Calls != 3 || got.TokensIn != 2000 || got.TokensOut != 1000 || got.Cost < 0.0039 || got.Cost > 0.0041 {
		t.Errorf("inner = %+v", got)
	}
	if got := outer.Totals(); got.Calls != 4 || got.TokensIn != 3000 {
		t.Errorf("outer = %+v", got)
	}
}
