package tool_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// goList runs `go list` with args in this module, or skips the test when
// the go command is not installed (as in a binary-only checkout).
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not on PATH")
	}
	out, err := exec.Command(goCmd, append([]string{"list"}, args...)...).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return strings.Fields(string(out))
}

// The packages that speak the domain types must not link the store: that
// is what the types live apart from library for.
func TestDomainUsersLinkNoStore(t *testing.T) {
	t.Parallel()
	deps := goList(t, "-deps",
		"github.com/latm/latm/maker", "github.com/latm/latm/user",
		"github.com/latm/latm/dispatch", "github.com/latm/latm/eval")
	if len(deps) < 10 {
		t.Fatalf("go list -deps named only %v; is the module broken?", deps)
	}
	for _, d := range deps {
		if strings.Contains(strings.ToLower(d), "sqlite") || d == "github.com/latm/latm/library" {
			t.Errorf("maker, user, dispatch or eval depends on %s; use package tool's types and a small interface where a store is needed", d)
		}
	}
}

// Package tool, and package answer besides tool, import only the standard
// library.
func TestDomainCoreImportsOnlyTheStandardLibrary(t *testing.T) {
	t.Parallel()
	for pkg, allowed := range map[string][]string{
		"github.com/latm/latm/tool":   {"github.com/latm/latm/tool"},
		"github.com/latm/latm/answer": {"github.com/latm/latm/answer", "github.com/latm/latm/tool"},
	} {
		for _, d := range goList(t, "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg) {
			if !slices.Contains(allowed, d) {
				t.Errorf("%s depends on %s; it may use only the standard library and %v", pkg, d, allowed[1:])
			}
		}
	}
}
