package dispatch

import (
	"fmt"
	"testing"
)

func TestBenchSetupsAreSeededAndShaped(t *testing.T) {
	all, err := LoadBenchTasks()
	if err != nil {
		t.Fatal(err)
	}
	a := BenchSetups(DefaultThresholds, all, 2, 30, 7)
	b := BenchSetups(DefaultThresholds, all, 2, 30, 7)
	c := BenchSetups(DefaultThresholds, all, 2, 30, 8)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("one seed, two results:\n%v\n%v", a, b)
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Errorf("seeds 7 and 8 gave the same sets: the seed is not used")
	}
	names := []string{"identification", "new task", "new task (BBH)"}
	if len(a) != len(names) {
		t.Fatalf("%d set-ups, want %d", len(a), len(names))
	}
	for i, r := range a {
		if r.Name != names[i] || len(r.Accuracy) != 2 || len(r.NoModel) != 2 {
			t.Errorf("set-up %d: %+v", i, r)
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
