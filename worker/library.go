package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/latm/latm/tool"
)

// An entry of ToolsBucket is a tool package (tool.EncodePackage); a
// tenant's tool's entry has one line before it that names the tenant:
//
//	# latm tenant: "acme"
//	# latm tool package 1
//	…
//
// The key is the content hash of the whole entry, so that two tenants'
// tools of equal content are two entries, and whoever imports one knows
// whose it is (a worker routes a tenant's instances only to the operator's
// tools and the tenant's own). A latm without tenants refuses such an
// entry rather than take the tool for the operator's.
const tenantLine = "# latm tenant: "

// encodeEntry renders t as an entry of ToolsBucket.
func encodeEntry(t *tool.Tool) ([]byte, error) {
	pkg, err := tool.EncodePackage(t)
	if err != nil || t.Tenant == "" {
		return pkg, err
	}
	return append([]byte(tenantLine+strconv.Quote(t.Tenant)+"\n"), pkg...), nil
}

// decodeEntry reads an entry of ToolsBucket: the tool, with its tenant.
func decodeEntry(b []byte) (*tool.Tool, error) {
	if rest, ok := bytes.CutPrefix(b, []byte(tenantLine)); ok {
		line, pkg, _ := bytes.Cut(rest, []byte("\n"))
		name, err := strconv.Unquote(string(line))
		if err != nil || name == "" {
			return nil, fmt.Errorf("line 1: the tenant %.80q is not a quoted name", line)
		}
		t, err := tool.DecodePackage(pkg)
		if err != nil {
			if pe := (*tool.PackageError)(nil); errors.As(err, &pe) {
				return nil, &tool.PackageError{Line: pe.Line + 1, Msg: pe.Msg}
			}
			return nil, err
		}
		t.Tenant = name
		return t, nil
	}
	return tool.DecodePackage(b)
}

// PublishTool puts t's entry in the tools bucket under its content hash
// and returns the key; publishing the same content again changes nothing.
func (q *Queue) PublishTool(ctx context.Context, t *tool.Tool) (string, error) {
	pkg, err := encodeEntry(t)
	if err != nil {
		return "", err
	}
	key := packageKey(pkg)
	if _, err := q.Tools.Create(ctx, key, pkg); err != nil && !isKeyExists(err) {
		return "", fmt.Errorf("publish tool %s: %w", t.Ref(), err)
	}
	return key, nil
}

// syncTools watches the tools bucket and imports every package in it,
// present and future, into the worker's local library, so that routing an
// instance that names no tool sees every tool published anywhere. A
// package whose content is the newest version of its name already is not
// saved again (library.SaveToolUnlessSame). Once the packages stored when
// it starts are in, it closes ready (the worker pulls instances only
// then, so that it never pools an instance of a task whose tool it has
// yet to import) and revisits the pending pool: a group a maker that died
// left half solved is solved now. Each new package imported later is
// followed by a revisit too. It returns when ctx is done.
func (w *Worker) syncTools(ctx context.Context, ready chan<- struct{}) error {
	defer func() {
		if ready != nil {
			close(ready)
		}
	}()
	watch, err := w.Queue.Tools.Watch(ctx, "pkg.*", jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("worker: watch tools: %w", err)
	}
	defer watch.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-watch.Updates():
			if !ok {
				return nil
			}
			if e == nil {
				if ready != nil {
					close(ready)
					ready = nil
				}
				w.revisitLogged(ctx)
				continue
			}
			t, saved, err := w.importPackage(ctx, e)
			if err != nil {
				w.logf("tool package %s: %v (skipped)", e.Key(), err)
				continue
			}
			if saved {
				w.imported.Add(1)
				w.invalidateRoutes() // routing sees the new tool at once
				if ready == nil {    // the first ones are revisited together
					w.revisitLogged(ctx)
				}
			}
			if w.Loaded != nil {
				w.Loaded(t)
			}
		}
	}
}

func (w *Worker) revisitLogged(ctx context.Context) {
	if err := w.revisit(ctx, w.shared); err != nil && ctx.Err() == nil {
		w.logf("revisit the pending pool: %v", err)
	}
}

// importPackage saves a package's tool in the local library; saved is
// false when the library had its content already (this worker made it, or
// imported it before).
func (w *Worker) importPackage(ctx context.Context, e jetstream.KeyValueEntry) (*tool.Tool, bool, error) {
	if got := packageKey(e.Value()); got != e.Key() {
		return nil, false, fmt.Errorf("content hash is %s, not its key", got)
	}
	t, err := decodeEntry(e.Value())
	if err != nil {
		return nil, false, err
	}
	saved, err := w.Engine.Store().SaveToolUnlessSame(ctx, t)
	if err != nil {
		return nil, false, err
	}
	return t, saved, nil
}
