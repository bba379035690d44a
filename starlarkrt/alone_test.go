package starlarkrt

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// aloneEnv names, in a child process of this test binary, the one test
// that child runs (see alone).
const aloneEnv = "LATM_TEST_ALONE"

// alone reports whether the calling test should run its body here: in a
// child process of this test binary that runs only this test. Otherwise it
// starts that child, waits for it and reports its failures, and the caller
// returns at once.
//
// In-process hostile programs need a process to themselves: the memory
// guard measures the whole process's heap, which another test's garbage
// would inflate, and a call given up on at its time limit (hashing a tuple
// shared 2^80 ways) keeps its goroutine spinning until the process exits,
// which would take a core from every test that ran after it. In a child
// the rest of this package runs in parallel, and the spinning goroutines
// die with it.
func alone(t *testing.T) bool {
	t.Helper()
	if os.Getenv(aloneEnv) == t.Name() {
		return true
	}
	var pattern []string
	for _, part := range strings.Split(t.Name(), "/") {
		pattern = append(pattern, "^"+regexp.QuoteMeta(part)+"$")
	}
	args := []string{"-test.run=" + strings.Join(pattern, "/"), "-test.count=1", "-test.v"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), aloneEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	// A child whose pattern matched nothing passes too: insist on the
	// test's own verdict.
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()+" ") {
		t.Fatalf("%s in a process of its own: %v\n%s", t.Name(), err, failures(string(out)))
	}
	return false
}

// failures drops the lines of a verbose test log that only report
// progress or a pass.
func failures(log string) string {
	var keep []string
	for _, line := range strings.Split(log, "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- PASS") || strings.HasPrefix(l, "--- SKIP") {
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n")
}
