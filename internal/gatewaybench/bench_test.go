package gatewaybench

import (
	"context"
	"testing"
)

// A short run: every reply reads as the true answer, tools answer some of
// the traffic, and the wrong tool never goes live.
func TestRunShort(t *testing.T) {
	r, err := Run(context.Background(), Options{Requests: 300, OneOff: 0.15, Shadow: 5, Stream: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Correct != r.WithAnswer || r.WithAnswer == 0 {
		t.Errorf("%d of %d replies correct; first wrong %q, want %q", r.Correct, r.WithAnswer, r.FirstWrong, r.FirstWrongWant)
	}
	if r.ServedByTools == 0 || r.UpstreamSaved != r.ServedByTools || r.WrongLive != 0 {
		t.Errorf("served by tools %d, saved %d, wrong live %d", r.ServedByTools, r.UpstreamSaved, r.WrongLive)
	}
	if r.InternalP50 <= 0 || r.ForwardedP50 <= 0 || r.DirectP50 <= 0 {
		t.Errorf("latencies not measured: %+v", r)
	}
	t.Logf("%+v", r)
}
