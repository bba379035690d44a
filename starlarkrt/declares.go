package starlarkrt

import "slices"

// Declares compiles src (in this process, under the source limits every
// compilation has, running none of it) and reports whether its top level
// defines name with a def statement, and whether it binds name at all
// (a def, an assignment, an import). A front end that must choose between
// calling a function and running a file as a script learns it here
// without running the file's top level, which Load does.
func (rt *Runtime) Declares(src Source, name string) (def, bound bool, err error) {
	c := rt.eng.compile(src, "", nil)
	if c.err != nil {
		return false, false, c.err
	}
	return slices.Contains(c.defs, name), slices.Contains(c.globals, name), nil
}
