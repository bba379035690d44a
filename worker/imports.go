package worker

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// ToolStore is a submitter's library, into which the tools workers made
// for its batch are imported. *library.Store implements it.
type ToolStore interface {
	Tools(ctx context.Context, all bool) ([]*tool.Tool, error)
	SaveTool(ctx context.Context, t *tool.Tool) error
}

// ToolImport steers the import of the tools workers made into the
// submitting machine's library, when a stream or a routed batch ends.
type ToolImport struct {
	Store ToolStore // nil: import nothing
	// Check runs a package's usage examples in the sandbox, as latm tools
	// import does (engine.Engine.CheckTool, user.CheckExamples); a package
	// with a failing one is refused. Nil: not checked.
	Check func(ctx context.Context, t *tool.Tool) []user.ExampleResult
	// Report, if set, is told of each package imported (err nil) or
	// refused.
	Report func(t *tool.Tool, err error)
}

// importTools imports into imp.Store the tool packages of the tools bucket
// that were published while the submission ran (their keys are not in
// before) or that the batch's results name (used, a set of tool names: a
// rerun imports what its first run stopped before importing), and whose
// name the library has no version of. A tool a worker makes is always
// named anew (dispatch picks a name no tool of its library has), so a
// package of a name the library knows is another library's version of
// one of its own tools: it is left to latm tools import. Two packages of
// one new name become its versions, oldest first; content the library
// holds already (any version) is not saved again, so importing twice
// changes nothing. It returns the tools imported.
func (q *Queue) importTools(ctx context.Context, imp ToolImport, before, used map[string]bool) ([]*tool.Tool, error) {
	if imp.Store == nil {
		return nil, nil
	}
	keys, err := q.toolKeys(ctx)
	if err != nil {
		return nil, err
	}
	have, err := imp.Store.Tools(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("import tools: %w", err)
	}
	known := map[string][]*tool.Tool{}
	for _, t := range have {
		known[t.Name] = append(known[t.Name], t)
	}
	var cands []*tool.Tool
	for key := range keys {
		e, err := q.Tools.Get(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("import tools: package %s: %w", key, err)
		}
		if packageKey(e.Value()) != key {
			continue // a corrupt entry: the workers skip it too
		}
		t, err := decodeEntry(e.Value())
		if err != nil {
			continue
		}
		if (before[key] && !used[t.Name]) || known[t.Name] != nil {
			continue
		}
		cands = append(cands, t)
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if !cands[i].CreatedAt.Equal(cands[j].CreatedAt) {
			return cands[i].CreatedAt.Before(cands[j].CreatedAt)
		}
		return cands[i].Name < cands[j].Name
	})
	var out []*tool.Tool
	seen := map[string][]*tool.Tool{} // imported here, by name
	for _, t := range cands {
		if sameAsAny(seen[t.Name], t) {
			continue
		}
		if err := checkPackage(ctx, imp, t); err != nil {
			if imp.Report != nil {
				imp.Report(t, err)
			}
			continue
		}
		t.ID, t.Version, t.Status = 0, 0, ""
		if err := imp.Store.SaveTool(ctx, t); err != nil {
			return out, fmt.Errorf("import tool %s: %w", t.Name, err)
		}
		seen[t.Name] = append(seen[t.Name], t)
		out = append(out, t)
		if imp.Report != nil {
			imp.Report(t, nil)
		}
	}
	return out, nil
}

func sameAsAny(ts []*tool.Tool, t *tool.Tool) bool {
	for _, o := range ts {
		if library.SameContent(o, t) {
			return true
		}
	}
	return false
}

// checkPackage refuses a package with no usage examples or a failing one.
func checkPackage(ctx context.Context, imp ToolImport, t *tool.Tool) error {
	if imp.Check == nil {
		return nil
	}
	if len(t.Examples) == 0 {
		return fmt.Errorf("refused: the package of %s has no usage examples to check it with", t.Name)
	}
	var failed []string
	for _, r := range imp.Check(ctx, t) {
		if !r.OK {
			why := r.Error
			if why == "" {
				why = fmt.Sprintf("got %q, want %q", r.Got, r.Want)
			}
			failed = append(failed, fmt.Sprintf("example %d: %s", r.Index, why))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("refused: %d of %d usage examples of %s fail: %s", len(failed), len(t.Examples), t.Name, strings.Join(failed, "; "))
	}
	return nil
}
