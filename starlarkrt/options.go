package starlarkrt

import (
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// Dialect is the language a Runtime's programs are written in.
type Dialect int

const (
	// Python is Starlark read as Python: the source and syntax-tree rewrites
	// of the Python front end (imports, assert, f-strings, **, generator
	// arguments, iteration over strings, …), Python's builtins and methods
	// that Starlark lacks, and the modules imported with import statements.
	// Valid Starlark keeps its meaning. The default.
	Python Dialect = iota
	// Starlark is go.starlark.net's Starlark with while loops, recursion,
	// sets, top-level control flow and global reassignment on, and nothing
	// rewritten: the modules are predeclared under their names, as
	// go.starlark.net's lib/* are. The baseline the Python front end's cost
	// is measured against, and the choice of a host whose programs are
	// Starlark.
	Starlark
)

func (d Dialect) String() string {
	switch d {
	case Python:
		return "python"
	case Starlark:
		return "starlark"
	}
	return fmt.Sprintf("Dialect(%d)", int(d))
}

// StandardModules returns the deterministic modules latm's runtime offers,
// by the name programs import them under: math, json, re, itertools and
// datetime (the packages under starlarkrt/lib). A host that wants fewer, or
// more of its own, passes its choice as Options.Modules.
func StandardModules() map[string]*starlarkstruct.Module { return modules() }

// checkModules reports an error unless every module of mods is the
// standard module of its name: a worker process builds its modules by name
// from its own binary, so it cannot hold a host's own module values.
func checkModules(mods map[string]*starlarkstruct.Module) error {
	std := StandardModules()
	for name, m := range mods {
		if std[name] != m {
			return fmt.Errorf("starlarkrt: module %q is not the standard module of that name; Subprocess workers load only StandardModules (run it InProcess, or add it to starlarkrt/lib)", name)
		}
	}
	return nil
}

// moduleNames returns the names of mods, sorted.
func moduleNames(mods map[string]*starlarkstruct.Module) []string {
	names := make([]string, 0, len(mods))
	for n := range mods {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// modulesByName returns the standard modules named, or an error naming one
// that is not standard.
func modulesByName(names []string) (map[string]*starlarkstruct.Module, error) {
	std := StandardModules()
	out := make(map[string]*starlarkstruct.Module, len(names))
	for _, n := range names {
		m, ok := std[n]
		if !ok {
			return nil, fmt.Errorf("starlarkrt: no standard module %q", n)
		}
		out[n] = m
	}
	return out, nil
}

// predeclaredOf returns the names programs of dialect d see beyond
// Starlark's universe when they may use the modules mods.
func predeclaredOf(d Dialect, mods map[string]*starlarkstruct.Module) starlark.StringDict {
	if d == Starlark {
		pre := make(starlark.StringDict, len(mods))
		for name, m := range mods {
			pre[name] = m
		}
		pre.Freeze()
		return pre
	}
	return predeclaredFor(mods)
}

// listModules names the modules for an error message.
func listModules(mods map[string]*starlarkstruct.Module) string {
	if len(mods) == 0 {
		return "(none)"
	}
	return strings.Join(moduleNames(mods), ", ")
}
