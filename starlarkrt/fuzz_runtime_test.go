package starlarkrt

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzRuntime runs arbitrary source as a call snippet in a sandbox worker
// under tight limits. Whatever the program, the call must end within its
// time limit and grace with a result, a ProgramError or a LimitError:
// never another error (a worker that died for any reason but a limit, a
// protocol failure) and never a hang.
func FuzzRuntime(f *testing.F) {
	for _, h := range hostile {
		f.Add(h.code + "\nans = f()\n")
	}
	if files, err := filepath.Glob(filepath.Join("testdata", "valid", "*.star")); err == nil {
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(string(b))
			}
		}
	}
	f.Add("ans = '%s' % 'x' * 3\nb = [c for c in 'abc']\n")
	lim := Limits{MaxSteps: 200_000, Timeout: time.Second, MaxDepth: 200, MaxMemory: 64 << 20, MaxOutput: 4 << 10, MaxResult: 64 << 10}
	rt := New(Options{Isolation: Subprocess, Limits: lim, Workers: 1, WorkerPath: plainWorker(f)})
	f.Cleanup(func() { rt.Close() })
	f.Fuzz(func(t *testing.T, code string) {
		start := time.Now()
		_, err := rt.Exec(context.Background(), Source{Name: "tool.star", Code: "def helper(x):\n    return x\n"}, Source{Name: "fuzz.star", Code: code})
		if d := time.Since(start); d > lim.Timeout+grace(lim.Timeout)+2*time.Second {
			t.Fatalf("took %v", d)
		}
		var pe *ProgramError
		var le *LimitError
		if err != nil && !errors.As(err, &pe) && !errors.As(err, &le) {
			t.Fatalf("want a result, a program error or a limit error; got %v\nprogram:\n%s", err, code)
		}
		if pe != nil && strings.Contains(pe.Msg, "internal error in the interpreter") {
			t.Logf("interpreter panic recovered: %v", pe.Msg)
		}
	})
}
