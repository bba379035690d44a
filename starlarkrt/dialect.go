package starlarkrt

// PLACEHOLDER owned by the dialect work (Python tolerance): replace bodies,
// keep signatures.

import (
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// fileOptions is the dialect: while, recursion, sets, top-level control flow
// and global reassignment on.
var fileOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}

// preprocess applies sound, line-preserving source rewrites for Python-isms
// before parsing (generator expressions in calls, import statements, …).
func preprocess(name, src string) (string, error) { return src, nil }

// transform applies sound rewrites to the parsed file before it is resolved
// and compiled (e.g. iteration over strings).
func transform(f *syntax.File) error { return nil }

// predeclared returns the names every program sees beyond Starlark's
// universe: Python builtins and the modules.
func predeclared() starlark.StringDict { return starlark.StringDict{} }

// hint returns a one-line suggestion for an error caused by a Python-ism,
// given the error message and the offending source line, or "".
func hint(msg, srcLine string) string { return "" }
