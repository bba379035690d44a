package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/latm/latm/tool"
)

// shownTool is latm tools show --json: the tool, and for one learned from
// gateway traffic its current phase and every phase change of its name.
type shownTool struct {
	*tool.Tool
	Phase  tool.Phase         `json:"phase,omitempty"`
	Phases []tool.PhaseChange `json:"phases,omitempty"`
}

// withPhases reads t's phase and its name's phase history from the store.
func withPhases(ctx context.Context, app *App, t *tool.Tool) (shownTool, error) {
	st := shownTool{Tool: t}
	store, err := app.Store()
	if err != nil {
		return st, err
	}
	if st.Phase, err = store.ToolPhase(ctx, t.Name, t.Version); err != nil {
		return st, err
	}
	if st.Phases, err = store.PhaseChanges(ctx, t.Name); err != nil {
		return st, err
	}
	return st, nil
}

// printPhases writes the phase lines of latm tools show: nothing for a
// tool that was not learned from gateway traffic.
func printPhases(w io.Writer, st shownTool) {
	if len(st.Phases) == 0 {
		return
	}
	phase := string(st.Phase)
	if phase == "" {
		phase = "none (its other versions have phases)"
	}
	fmt.Fprintf(w, "phase:       %s\n", phase)
	if st.Tenant != "" {
		fmt.Fprintf(w, "tenant:      %s\n", st.Tenant)
	}
	fmt.Fprintln(w, "phase changes:")
	for _, c := range st.Phases {
		from := string(c.From)
		if from == "" {
			from = "new"
		}
		agreed := ""
		if c.Compared > 0 {
			agreed = fmt.Sprintf(", %d of %d agreed", c.Agreed, c.Compared)
		}
		fmt.Fprintf(w, "  %s  @%d  %s -> %s%s: %s\n", c.At.UTC().Format("2006-01-02 15:04:05"), c.Version, from, c.To, agreed, c.Reason)
	}
}
