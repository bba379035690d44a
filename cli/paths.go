package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

// describePaths says in one line how runs were answered: with no model (by
// path), by the user model, failed, and the guard refusals met on the way.
func describePaths(st library.PathStats) string {
	var noModel []string
	user, failed := 0, 0
	for _, p := range st.Paths {
		switch p.Path {
		case tool.PathParser, tool.PathTemplate:
			if p.OK > 0 {
				noModel = append(noModel, fmt.Sprintf("%d %s", p.OK, p.Path))
			}
		default: // the user model, or a run recorded before paths were
			user += p.OK
		}
		failed += p.Failed
	}
	parts := []string{}
	if len(noModel) > 0 {
		parts = append(parts, "no model "+strings.Join(noModel, ", "))
	} else {
		parts = append(parts, "no model 0")
	}
	parts = append(parts, fmt.Sprintf("user model %d", user), fmt.Sprintf("failed %d", failed))
	line := strings.Join(parts, "; ")
	if len(st.Refusals) > 0 {
		var kinds []string
		for k := range st.Refusals {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		var rs []string
		for _, k := range kinds {
			rs = append(rs, fmt.Sprintf("%s %d", k, st.Refusals[k]))
		}
		line += "; guard refusals: " + strings.Join(rs, ", ")
	}
	return line
}

// describeBatchPaths is describePaths for each tool of a batch, sorted.
func describeBatchPaths(by map[string]library.PathStats) []string {
	var refs []string
	for ref := range by {
		if ref != "" { // the strong model's answers have no tool
			refs = append(refs, ref)
		}
	}
	sort.Strings(refs)
	out := make([]string, 0, len(refs))
	for _, ref := range refs {
		out = append(out, ref+": "+describePaths(by[ref]))
	}
	return out
}
