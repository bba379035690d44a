package library

import (
	"strings"
	"testing"
)

// Migration numbers may skip (a change numbered on a branch merged later):
// the runner applies what it knows by number and refuses a file that
// records a number it does not know, inside a gap as well as above it.
func TestMigrationVersionsWithGaps(t *testing.T) {
	t.Parallel()
	ms := []migration{{version: 1}, {version: 2}, {version: 3}, {version: 5}, {version: 8}, {version: 9}}
	if got, want := knownVersions(ms), "1..3, 5, 8..9"; got != want {
		t.Errorf("knownVersions = %q, want %q", got, want)
	}
	if got := newest(ms); got != 9 {
		t.Errorf("newest = %d, want 9", got)
	}
	if err := checkNewer([]int{1, 2, 3, 8}, ms); err != nil {
		t.Errorf("a file missing known versions is an older file, not a newer one: %v", err)
	}
	for _, applied := range [][]int{{1, 2, 3, 4}, {1, 2, 3, 5, 8, 9, 10}} {
		err := checkNewer(applied, ms)
		if err == nil || !strings.Contains(err.Error(), "newer latm") || !strings.Contains(err.Error(), "1..3, 5, 8..9") {
			t.Errorf("checkNewer(%v) = %v, want a refusal naming the known versions", applied, err)
		}
	}
	real, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(real); i++ {
		if real[i].version <= real[i-1].version {
			t.Fatalf("embedded migrations out of order: %s after %s", real[i].name, real[i-1].name)
		}
	}
}
