package starlarkrt

// The import statements of the dialect: imports of the runtime's modules
// become assignments from names no program can shadow.

import (
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlarkstruct"
)

// availableModules lists the modules a program may import, sorted.
func (p *prep) availableModules() []string {
	var names []string
	for n := range p.mods {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// checkModule reports an error unless name is an importable module.
func (p *prep) checkModule(t pyToken, name string) error {
	if noopModules[name] {
		return nil
	}
	if _, ok := p.mods[name]; ok {
		return nil
	}
	avail := strings.Join(p.availableModules(), ", ")
	if avail == "" {
		avail = "none"
	}
	h := "use the builtins and available modules instead"
	switch name {
	case "collections":
		h = "use a dict with d.get(k, 0) + 1 instead of Counter, and d.setdefault(k, []) or d.get instead of defaultdict"
	case "functools":
		h = "write the loop instead of reduce; lru_cache: keep a dict of computed results"
	case "random", "time", "os", "sys":
		h = "tools must be deterministic and cannot reach the system: pass the data in as arguments"
	case "numpy", "pandas", "sympy", "scipy":
		h = "use lists and the math module"
	}
	return p.errorAt(t, fmt.Sprintf("module '%s' is not available; available modules: %s", name, avail), h)
}

// dotted reads a dotted name starting at pyToken i, returning it and the
// index after it.
func (p *prep) dotted(i, to int) (string, int) {
	var parts []string
	for i < to && p.toks[i].kind == tName {
		parts = append(parts, p.toks[i].text)
		i++
		if i < to && p.toks[i].text == "." {
			i++
			continue
		}
		break
	}
	return strings.Join(parts, "."), i
}

// replaceStmt replaces the code of a logical line by stmt, keeping its
// newlines.
func (p *prep) replaceStmt(ln [2]int, stmt string) {
	a, b := p.toks[ln[0]].start, p.toks[ln[1]-1].end
	p.edits = append(p.edits, srcEdit{a, b, stmt + newlinesOf(p.src[a:b])})
}

// importStmt handles `import a, b as c`.
func (p *prep) importStmt(ln [2]int) error {
	var assigns []string
	i := ln[0] + 1
	for i < ln[1] {
		t := p.toks[i]
		name, j := p.dotted(i, ln[1])
		if name == "" {
			return nil // malformed: let the parser report it
		}
		root := strings.SplitN(name, ".", 2)[0]
		if err := p.checkModule(t, root); err != nil {
			return err
		}
		if strings.Contains(name, ".") && !noopModules[root] {
			return p.errorAt(t, fmt.Sprintf("module '%s' is not available; available modules: %s", name, strings.Join(p.availableModules(), ", ")), "import the top-level module and use its attributes")
		}
		alias := ""
		if j+1 < ln[1] && p.toks[j].text == "as" && p.toks[j+1].kind == tName {
			alias = p.toks[j+1].text
			j += 2
		}
		if alias != "" && alias != name && !noopModules[root] {
			assigns = append(assigns, alias+" = "+moduleAlias+name)
		}
		if j < ln[1] && p.toks[j].text != "," {
			return nil
		}
		i = j + 1
	}
	p.replaceStmt(ln, stmtList(assigns))
	return nil
}

// fromStmt handles `from m import a, b as c`, `from m import (a, b)` and
// `from m import *`.
func (p *prep) fromStmt(ln [2]int) error {
	if ln[1]-ln[0] < 2 {
		return nil // malformed: let the parser report it
	}
	t := p.toks[ln[0]+1]
	name, i := p.dotted(ln[0]+1, ln[1])
	if name == "" || i >= ln[1] || p.toks[i].text != "import" {
		return nil
	}
	root := strings.SplitN(name, ".", 2)[0]
	if err := p.checkModule(t, root); err != nil {
		return err
	}
	if noopModules[root] {
		p.replaceStmt(ln, "pass")
		return nil
	}
	if strings.Contains(name, ".") {
		return p.errorAt(t, fmt.Sprintf("module '%s' is not available; available modules: %s", name, strings.Join(p.availableModules(), ", ")), "import the top-level module and use its attributes")
	}
	mod := p.mods[name]
	var assigns []string
	i++
	if i < ln[1] && p.toks[i].text == "*" {
		for _, m := range sortedAttrs(mod) {
			assigns = append(assigns, m+" = "+moduleAlias+name+"."+m)
		}
		p.replaceStmt(ln, stmtList(assigns))
		return nil
	}
	for i < ln[1] {
		tt := p.toks[i]
		if tt.text == "(" || tt.text == ")" || tt.text == "," {
			i++
			continue
		}
		if tt.kind != tName {
			return nil
		}
		attr, alias := tt.text, tt.text
		i++
		if i+1 < ln[1] && p.toks[i].text == "as" && p.toks[i+1].kind == tName {
			alias = p.toks[i+1].text
			i += 2
		}
		if mod != nil {
			if v, _ := mod.Attr(attr); v == nil {
				return p.errorAt(tt, fmt.Sprintf("module '%s' has no '%s'; it has: %s", name, attr, strings.Join(sortedAttrs(mod), ", ")), "")
			}
		}
		assigns = append(assigns, alias+" = "+moduleAlias+name+"."+attr)
	}
	p.replaceStmt(ln, stmtList(assigns))
	return nil
}

// sortedAttrs lists a module's members.
func sortedAttrs(m *starlarkstruct.Module) []string {
	if m == nil {
		return nil
	}
	names := m.AttrNames()
	sort.Strings(names)
	return names
}

// stmtList joins simple statements on one line.
func stmtList(stmts []string) string {
	if len(stmts) == 0 {
		return "pass"
	}
	return strings.Join(stmts, "; ")
}
