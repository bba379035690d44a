package procowner

import (
	"fmt"
	"os"
	"testing"
)

func TestDead(t *testing.T) {
	host, _ := os.Hostname()
	_, start, err := processStart(os.Getpid())
	if err != nil {
		t.Skip("no /proc")
	}
	for _, c := range []struct {
		owner string
		want  bool
	}{
		{New(), false}, // this process
		{fmt.Sprintf("%s/%d/%d/ab", host, os.Getpid(), start+1), true}, // its pid, another start: reused
		{fmt.Sprintf("%s/%d/%d/ab", host, 1<<30, start), true},         // no such pid
		{fmt.Sprintf("other-host/%d/%d/ab", 1<<30, start), false},      // cannot tell
		{"A", false},
		{fmt.Sprintf("%s/%d/0/ab", host, 1<<30), false}, // start unknown
	} {
		if got := Dead(c.owner); got != c.want {
			t.Errorf("Dead(%q) = %v, want %v", c.owner, got, c.want)
		}
	}
}

func TestParseStat(t *testing.T) {
	state, start, err := parseStat("4242 (la tm) (x)) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21\n")
	if err != nil || state != "S" || start != 987654 {
		t.Fatalf("got %q %d %v", state, start, err)
	}
	for _, bad := range []string{"", "4242 no paren S 1", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 -5"} {
		if _, _, err := parseStat(bad); err == nil {
			t.Errorf("parseStat(%q): no error", bad)
		}
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add("1 (latm) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 99 20")
	f.Add("1 ()) Z")
	f.Fuzz(func(t *testing.T, s string) { _, _, _ = parseStat(s) })
}
