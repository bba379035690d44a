package starlarkrt

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCPythonDiff runs every program of testdata/cpython under python3 and
// under the runtime and compares what they print: the dialect runs the
// Python it accepts as CPython does. Each program prints its results.
func TestCPythonDiff(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: the CPython differential corpus cannot run")
	}
	files, err := filepath.Glob(filepath.Join("testdata", "cpython", "*.py"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no programs in testdata/cpython")
	}
	rt := New(Options{})
	defer rt.Close()
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, py, "-I", "-S", file)
			cmd.Env = []string{"PYTHONHASHSEED=0", "PYTHONIOENCODING=utf-8"}
			want, err := cmd.Output()
			if err != nil {
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					t.Fatalf("python3 fails on the program: %v\n%s", err, ee.Stderr)
				}
				t.Fatalf("python3: %v", err)
			}
			res, err := rt.Exec(context.Background(), Source{Name: "tool.star", Code: "pass\n"}, Source{Name: filepath.Base(file), Code: string(src)})
			if err != nil {
				t.Fatalf("latm fails on the program: %v\npython3 prints:\n%s", err, want)
			}
			if got := res.Output; got != string(want) {
				t.Errorf("output differs\n%s", lineDiff(string(want), got))
			}
		})
	}
}

// lineDiff shows the first differing line of python3's and latm's output.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n python3: " + a + "\n    latm: " + b
		}
	}
	return ""
}
