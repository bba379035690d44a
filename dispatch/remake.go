package dispatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/latm/latm/maker"
	"github.com/latm/latm/tool"
)

func remakeLease(name string) string { return "make-tool-" + name }

// Remake has the maker write the next version of the tool name from
// examples, under a lease on the name so that one process remakes it, and
// saves it as the dispatcher's tenant's. note goes into the task's
// description, which the maker's first prompt shows: the gateway tells it
// there which answers the previous version got wrong, and puts those
// instances first among the examples so that the maker trains and tests
// on them. It returns nil and no error when another process holds the
// lease.
func (d *Dispatcher) Remake(ctx context.Context, name string, examples []tool.Example, note string) (*tool.Tool, error) {
	if d.Maker == nil {
		return nil, errors.New("remake: no maker configured")
	}
	if len(examples) < d.minExamples() {
		return nil, fmt.Errorf("remake %s: %d examples, %d needed", name, len(examples), d.minExamples())
	}
	ok, err := d.Store.Acquire(ctx, remakeLease(name), d.owner(), makeLeaseTTL)
	if err != nil || !ok {
		return nil, err
	}
	defer func() { _ = d.Store.Release(context.WithoutCancel(ctx), remakeLease(name), d.owner()) }()
	defer d.heartbeat(ctx, remakeLease(name), makeLeaseTTL)()
	desc := fmt.Sprintf("remade from %d labelled instances", len(examples))
	if note != "" {
		desc += ". " + note
	}
	start := time.Now()
	t, _, err := d.Maker.Make(ctx, maker.Task{Name: name, Description: desc, Examples: examples})
	if err != nil {
		return nil, fmt.Errorf("remake %s (after %s): %w", name, time.Since(start).Round(time.Millisecond), err)
	}
	t.Tenant = d.Tenant
	if err := d.Store.SaveTool(ctx, t); err != nil {
		return nil, fmt.Errorf("remake %s: save: %w", name, err)
	}
	d.mu.Lock()
	d.toolAdded()
	d.mu.Unlock()
	if d.Made != nil {
		d.Made(ctx, t, 0)
	}
	return t, nil
}
