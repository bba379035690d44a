package starlarkrt_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"testing"

	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/internal/fixtures"
	"github.com/latm/latm/starlarkrt"
)

var trivial = starlarkrt.Source{Name: "trivial.star", Code: "def f(x):\n    return x + 1\n"}

func benchRuntime(b *testing.B, iso starlarkrt.Isolation) *starlarkrt.Runtime {
	rt := starlarkrt.New(starlarkrt.Options{Isolation: iso, Workers: 1})
	b.Cleanup(func() { rt.Close() })
	return rt
}

// BenchmarkTrivialCall is the per-call overhead of a compiled tool: a new
// thread, the tool's top level, one function call, argument and result
// conversion (and, in a worker, the round trip over the pipe).
func BenchmarkTrivialCall(b *testing.B) {
	for _, c := range []struct {
		name string
		iso  starlarkrt.Isolation
	}{{"inprocess", starlarkrt.InProcess}, {"subprocess", starlarkrt.Subprocess}} {
		b.Run(c.name, func(b *testing.B) {
			rt := benchRuntime(b, c.iso)
			ctx := context.Background()
			args := []any{int64(1)}
			if _, err := rt.Call(ctx, trivial, "f", args, nil); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := rt.Call(ctx, trivial, "f", args, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFixtureTools times each fixture tool per call, cycling through
// the test examples of its task.
func BenchmarkFixtureTools(b *testing.B) {
	for _, tool := range fixtures.Tools() {
		for _, c := range []struct {
			name string
			iso  starlarkrt.Isolation
		}{{"inprocess", starlarkrt.InProcess}, {"subprocess", starlarkrt.Subprocess}} {
			b.Run(tool.Task+"/"+c.name, func(b *testing.B) {
				rt := benchRuntime(b, c.iso)
				args := fixtureArgs(b, tool)
				src := starlarkrt.Source{Name: tool.File, Code: tool.Source}
				ctx := context.Background()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := rt.Call(ctx, src, tool.Func, args[i%len(args)], nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func fixtureArgs(tb testing.TB, tool fixtures.Tool) [][]any {
	split, err := bbh.LoadSplit(tool.Task)
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]any
	for _, ex := range split.Test {
		a, err := tool.Args(ex.Question)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// BenchmarkPipeRoundTrip is the floor under any call in a worker process:
// one byte to a child process over a pipe and back, nothing else.
func BenchmarkPipeRoundTrip(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "LATM_TEST_ECHO=1")
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { in.Close(); cmd.Wait() }()
	one := []byte{'x'}
	buf := make([]byte, 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := in.Write(one); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(out, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDialect measures what the Python front end costs: each fixture
// tool that is valid Starlark as written, called in process under the
// Python dialect and under plain Starlark (go.starlark.net, no rewrites,
// no Python builtins). Tools that need the front end are skipped under
// Starlark.
func BenchmarkDialect(b *testing.B) {
	for _, tool := range fixtures.Tools() {
		for _, d := range []starlarkrt.Dialect{starlarkrt.Python, starlarkrt.Starlark} {
			b.Run(tool.Task+"/"+d.String(), func(b *testing.B) {
				rt := starlarkrt.New(starlarkrt.Options{Dialect: d})
				b.Cleanup(func() { rt.Close() })
				args := fixtureArgs(b, tool)
				src := starlarkrt.Source{Name: tool.File, Code: tool.Source}
				ctx := context.Background()
				for _, a := range args {
					if _, err := rt.Call(ctx, src, tool.Func, a, nil); err != nil {
						b.Skipf("not valid %s: %v", d, err)
					}
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := rt.Call(ctx, src, tool.Func, args[i%len(args)], nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
