package starlarkrt

// Differential tests of the dialect's soundness: a program that is valid
// Starlark must mean the same under the dialect (preprocess, transform,
// predeclared Python builtins) as under plain go.starlark.net with the same
// FileOptions. "The same" is: the same globals, the same printed output, and
// a failure wherever plain Starlark fails, unless the failure is one the
// dialect documents as an extension (listed in diffExtensions).

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"
)

// diffRun is the outcome of running one program one way.
type diffRun struct {
	compileErr error // scan, parse or resolve error: not a valid program
	runErr     error // raw error of Init (nil on success)
	limited    bool  // runErr is a limit (steps, memory, time, depth, output)
	globals    starlark.StringDict
	out        string
}

// diffPlainPredeclared is what plain Starlark sees beyond its universe: only
// the modules, under their own names.
func diffPlainPredeclared() starlark.StringDict {
	d := starlark.StringDict{}
	for name, m := range moduleTable() {
		d[name] = m
	}
	return d
}

// diffLimits bounds one run. The dialect gets more steps than plain
// Starlark: its rewrites add calls (latm.iter, latm.method) that cost steps.
func diffLimits(steps uint64) Limits {
	return Limits{MaxSteps: steps, Timeout: 5 * time.Second, MaxMemory: 64 << 20, MaxDepth: 200, MaxOutput: 1 << 16}
}

// diffExec runs a compiled program on a guarded thread of the engine.
func diffExec(prog *starlark.Program, pre starlark.StringDict, steps uint64) *diffRun {
	e := newEngine()
	c := e.begin(context.Background(), diffLimits(steps), "diff")
	g, err := diffInit(prog, c.thread, pre)
	ended := c.end(err, nil)
	r := &diffRun{runErr: err, globals: g, out: c.out.String()}
	if ended != nil && r.runErr == nil {
		r.runErr = ended
	}
	var le *LimitError
	if errors.As(ended, &le) {
		r.limited = true
	}
	return r
}

// diffInit runs the program's top level. A panic inside go.starlark.net
// (set().difference() with no argument dereferences nil, for one) becomes
// an error, so that the comparison goes on: both sides must then fail.
func diffInit(prog *starlark.Program, th *starlark.Thread, pre starlark.StringDict) (g starlark.StringDict, err error) {
	defer func() {
		if r := recover(); r != nil {
			g, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	return prog.Init(th, pre)
}

// runPlain runs src as plain go.starlark.net would.
func runPlain(src string, steps uint64) *diffRun {
	f, err := fileOptions.Parse("p.star", src, 0)
	if err != nil {
		return &diffRun{compileErr: err}
	}
	pre := diffPlainPredeclared()
	withPythonStrings(f, pre) // the one documented departure: pystr.go
	prog, err := starlark.FileProgram(f, pre.Has)
	if err != nil {
		return &diffRun{compileErr: err}
	}
	return diffExec(prog, pre, steps)
}

// runDialect runs src through the runtime's pipeline: preprocess, parse,
// transform, resolve over predeclaredNames.
func runDialect(src string, steps uint64) *diffRun {
	f, err := parseDialect("p.star", src, moduleTable())
	if err != nil {
		return &diffRun{compileErr: err}
	}
	pre := predeclaredNames()
	prog, err := starlark.FileProgram(f, pre.Has)
	if err != nil {
		return &diffRun{compileErr: err}
	}
	return diffExec(prog, pre, steps)
}

// diffExtension is a documented case in which the dialect succeeds where
// plain Starlark fails, recognised by plain Starlark's error message.
type diffExtension struct {
	name string
	msg  *regexp.Regexp
}

// diffExtensions lists every accepted disagreement. Anything else where
// plain Starlark fails and the dialect succeeds is a soundness bug.
var diffExtensions = []diffExtension{
	// for loops, comprehension clauses and the iterable-taking builtins
	// (list, sorted, max, zip, …) iterate a string by character.
	{"string iteration", regexp.MustCompile(`string value is not iterable|got string, want iterable|is not iterable: string`)},
	// Python methods Starlark lacks, called through _latm_method.
	{"added method", regexp.MustCompile(`^(list|tuple|dict|set|string) has no \.(sort|count|copy|reverse|zfill|ljust|rjust|center|isnumeric|isdecimal|isdisjoint|index) field or method`)},
	// str.format with the format specs, indexing and attributes Python
	// accepts.
	{"str.format spec", regexp.MustCompile(`^format spec features not supported|^format: (element|attribute) syntax|^format: unknown conversion "[ar]"`)},
	// "literal" % args with Python's flags, widths, precisions and
	// conversions (%d of a bool, …).
	{"printf formatting", regexp.MustCompile(`^unknown conversion|format requires|(not enough|too many) arguments for format string`)},
	// hash of a value other than a string, as Python hashes it.
	{"hash of any hashable", regexp.MustCompile(`^hash: got \w+, want string or bytes`)},
	// A go.starlark.net panic (set().difference() with no argument): the
	// dialect answers as Python does instead of crashing.
	{"plain Starlark panics", regexp.MustCompile(`^panic: `)},
}

// diffExtensionOf returns the extension that explains a plain failure, or "".
func diffExtensionOf(err error) string {
	msg := err.Error()
	var ee *starlark.EvalError
	if errors.As(err, &ee) {
		msg = ee.Msg
	}
	for _, x := range diffExtensions {
		if x.msg.MatchString(msg) {
			return x.name
		}
	}
	return ""
}

// diffGlobalsText renders globals in a canonical, comparable form.
func diffGlobalsText(g starlark.StringDict) string {
	names := make([]string, 0, len(g))
	for n := range g {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s = %s\n", n, g[n].String())
	}
	return b.String()
}

// diffVerdict compares the two runs of src. It returns "" when they agree
// (or the program is not valid Starlark, or plain Starlark hit a limit),
// else what differs. ext receives the name of the extension that explains
// an accepted disagreement.
func diffVerdict(src string, steps uint64) (problem, ext string) {
	plain := runPlain(src, steps)
	if plain.compileErr != nil || plain.limited {
		return "", ""
	}
	dia := runDialect(src, 20*steps+10_000)
	if dia.compileErr != nil {
		return fmt.Sprintf("valid Starlark rejected by the dialect: %v", dia.compileErr), ""
	}
	switch {
	case plain.runErr == nil && dia.runErr != nil:
		return fmt.Sprintf("plain Starlark succeeds, the dialect fails: %v", dia.runErr), ""
	case plain.runErr != nil && dia.runErr == nil:
		if x := diffExtensionOf(plain.runErr); x != "" {
			return "", x
		}
		return fmt.Sprintf("plain Starlark fails (%v), the dialect succeeds with globals\n%s", plain.runErr, diffGlobalsText(dia.globals)), ""
	case plain.runErr != nil:
		return "", "" // both fail
	}
	if pg, dg := diffGlobalsText(plain.globals), diffGlobalsText(dia.globals); pg != dg {
		return fmt.Sprintf("globals differ:\nplain:\n%s\ndialect:\n%s", pg, dg), ""
	}
	for n, v := range plain.globals {
		if strings.Contains(v.String(), "<") {
			continue // holds functions: equal only to themselves
		}
		if eq, err := starlark.Equal(v, dia.globals[n]); err == nil && !eq {
			return fmt.Sprintf("global %s differs: plain %s, dialect %s", n, v, dia.globals[n]), ""
		}
	}
	if plain.out != dia.out {
		return fmt.Sprintf("output differs:\nplain:\n%s\ndialect:\n%s", plain.out, dia.out), ""
	}
	return "", ""
}

// diffCorpus reads testdata/valid/*.star.
func diffCorpus(tb testing.TB) map[string]string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "valid", "*.star"))
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out[filepath.Base(f)] = string(b)
	}
	return out
}

// TestDialectDiffCorpus: every corpus program is valid Starlark that runs
// to completion under plain go.starlark.net, and the dialect gives the same
// globals and output.
func TestDialectDiffCorpus(t *testing.T) {
	corpus := diffCorpus(t)
	if len(corpus) < 40 {
		t.Fatalf("corpus has %d programs, want at least 40", len(corpus))
	}
	for name, src := range corpus {
		t.Run(name, func(t *testing.T) {
			plain := runPlain(src, 1_000_000)
			if plain.compileErr != nil {
				t.Fatalf("not valid Starlark: %v", plain.compileErr)
			}
			if plain.runErr != nil {
				t.Fatalf("fails under plain Starlark: %v", plain.runErr)
			}
			if len(plain.globals) == 0 {
				t.Fatalf("defines no globals: nothing to compare")
			}
			if p, _ := diffVerdict(src, 1_000_000); p != "" {
				t.Error(p)
			}
		})
	}
}

// TestDialectDiffDetects: the harness is not vacuous. It reports a
// disagreement for a program whose meaning the dialect would change, and
// accepts exactly the documented extensions.
func TestDialectDiffDetects(t *testing.T) {
	for _, tc := range []struct {
		src, ext string
	}{
		{"x = []\nfor c in 'ab':\n    x.append(c)\n", "string iteration"},
		{"x = [c for c in 'ab']\n", "string iteration"},
		{"x = sorted('ba')\n", "string iteration"},
		{"x = [3, 1]\nx.sort()\n", "added method"},
		{"x = (1, 1).count(1)\n", "added method"},
		{"x = 'a'.zfill(3)\n", "added method"},
		{"x = '{:>3}'.format(1)\n", "str.format spec"},
		{"x = '%5d' % 3\n", "printf formatting"},
		{"x = '%-3s|' % 'a'\n", "printf formatting"},
		{"x = hash(3)\n", "hash of any hashable"},
	} {
		p, ext := diffVerdict(tc.src, 10_000)
		if p != "" || ext != tc.ext {
			t.Errorf("%q: problem %q, extension %q; want none and %q", tc.src, p, ext, tc.ext)
		}
	}
	// A program plain Starlark rejects at run time for another reason must
	// fail under the dialect too; both fail here, so no problem.
	if p, ext := diffVerdict("x = 1 // 0\n", 10_000); p != "" || ext != "" {
		t.Errorf("1 // 0: problem %q, extension %q", p, ext)
	}
	// Not valid Starlark: out of scope.
	if p, _ := diffVerdict("x = 2 ** 3\n", 10_000); p != "" {
		t.Errorf("2 ** 3: %s", p)
	}
	// The comparison itself catches differences.
	a := runPlain("x = [1, 2]\nprint(x)\n", 1000)
	b := runPlain("x = [1, 3]\nprint(x)\n", 1000)
	if diffGlobalsText(a.globals) == diffGlobalsText(b.globals) || a.out == b.out {
		t.Fatalf("different programs compare equal: %q vs %q", a.out, b.out)
	}
}

// FuzzDialectSound: for any input that parses and runs under plain Starlark
// within a small step limit, the dialect agrees.
func FuzzDialectSound(f *testing.F) {
	for _, src := range diffCorpus(f) {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		if p, _ := diffVerdict(src, 20_000); p != "" {
			t.Fatalf("program:\n%s\n%s", src, p)
		}
	})
}

// TestDialectSetMethodsWithoutArgument: go.starlark.net dereferences nil
// when set.difference, intersection, issubset, issuperset or
// symmetric_difference is called without an argument. The dialect gives
// Python's answer (a copy) or a clear error instead of the panic.
func TestDialectSetMethodsWithoutArgument(t *testing.T) {
	for _, tc := range []struct{ src, want, err string }{
		{"s = set([1, 2])\nx = s.difference()\ns.add(3)\n", "set([1, 2])", ""},
		{"x = set([1]).intersection()\n", "set([1])", ""},
		{"x = set([1]).issubset()\n", "", "issubset: want 1 argument"},
		{"x = set([1]).issuperset()\n", "", "issuperset: want 1 argument"},
		{"x = set([1]).symmetric_difference()\n", "", "symmetric_difference: want 1 argument"},
		{"x = set([1]).difference([1])\n", "set([])", ""},
	} {
		r := runDialect(tc.src, 10_000)
		switch {
		case r.compileErr != nil:
			t.Errorf("%q: %v", tc.src, r.compileErr)
		case tc.err != "":
			if r.runErr == nil || !strings.Contains(r.runErr.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.src, r.runErr, tc.err)
			}
		case r.runErr != nil:
			t.Errorf("%q: %v", tc.src, r.runErr)
		case r.globals["x"].String() != tc.want:
			t.Errorf("%q: x = %s, want %s", tc.src, r.globals["x"], tc.want)
		}
	}
}
