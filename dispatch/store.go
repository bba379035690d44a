package dispatch

import (
	"context"
	"time"

	"github.com/latm/latm/tool"
)

// RouteStore is what the router reads and writes: the tools, their
// full-text index and the routing decisions. *library.Store implements it.
type RouteStore interface {
	Tool(ctx context.Context, name string, version int) (*tool.Tool, error)
	Tools(ctx context.Context, all bool) ([]*tool.Tool, error)
	SearchTools(ctx context.Context, query string, limit int) ([]tool.SearchHit, error)
	RecordRoute(ctx context.Context, r *tool.Route) error
	LastRoute(ctx context.Context, batch, inputID string) (*tool.Route, error)
}

// Store is what the dispatcher keeps: the router's part, plus tools it
// saves, runs, the pending pool and the leases that let one process make a
// group's tool. *library.Store implements it.
type Store interface {
	RouteStore
	Tools(ctx context.Context, all bool) ([]*tool.Tool, error)
	SaveTool(ctx context.Context, t *tool.Tool) error
	RecordRun(ctx context.Context, r *tool.Run) error
	Runs(ctx context.Context, batch string) (map[string]*tool.Run, error) // by input id, for resuming a stream
	AddPending(ctx context.Context, p *tool.Pending) error
	PendingInstances(ctx context.Context, group int64) ([]*tool.Pending, error)
	SetPendingGroup(ctx context.Context, id, group int64) error
	LabelPending(ctx context.Context, instanceID, label, source string) error
	MarkPendingSolved(ctx context.Context, id int64) error
	// Acquire takes the lease name for owner for ttl; false if another
	// owner holds it. Release gives it back.
	Acquire(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	Release(ctx context.Context, name, owner string) error
}
