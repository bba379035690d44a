package dispatch

import (
	"fmt"
	"testing"
)

func TestRunBenchIsSeededAndShaped(t *testing.T) {
	t.Parallel()
	a, err := RunBench(DefaultThresholds, 2, 30, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := RunBench(DefaultThresholds, 2, 30, 7)
	c, _ := RunBench(DefaultThresholds, 2, 30, 8)
	show := func(rows []*BenchRow) string {
		s := ""
		for _, r := range rows {
			s += fmt.Sprint(*r)
		}
		return s
	}
	if show(a) != show(b) {
		t.Errorf("one seed, two results:\n%v\n%v", show(a), show(b))
	}
	if show(a) == show(c) {
		t.Errorf("seeds 7 and 8 gave the same sets: the seed is not used")
	}
	if len(a) != 5 {
		t.Fatalf("%d set-ups, want 5", len(a))
	}
	for i, r := range a {
		if len(r.Accuracy) != 2 || len(r.NoModel) != 2 {
			t.Errorf("set-up %d (%s): %d accuracies, %d no-model shares, want one per set", i, r.Name, len(r.Accuracy), len(r.NoModel))
		}
		for j := range r.Accuracy {
			if r.Accuracy[j] < 0 || r.Accuracy[j] > 1 || r.NoModel[j] < 0 || r.NoModel[j] > 1 {
				t.Errorf("%s set %d: accuracy %v, no-model share %v, want fractions", r.Name, j, r.Accuracy[j], r.NoModel[j])
			}
		}
	}
	// Identification among the six paper tasks is what stage 1 is tuned on.
	if acc := a[0].Accuracy[0]; acc < 0.9 {
		t.Errorf("identification accuracy %.2f, want at least 0.9", acc)
	}
}
