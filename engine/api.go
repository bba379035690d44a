package engine

import (
	"context"
	"fmt"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/library"
	"github.com/latm/latm/maker"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// MakeOptions steer one making; zero fields take the configured values.
type MakeOptions struct {
	Train int // training examples shown to the maker (the first Train of the task's)
	Valid int // validation examples tested (the next Valid)
}

// Make has the maker write, verify and package a tool for task and saves
// it as the next version of task.Name. When making fails nothing is saved
// and the returned tool, when not nil, carries the whole chat in its
// Transcript; when saving fails the error is a *SaveError.
func (e *Engine) Make(ctx context.Context, task maker.Task, o MakeOptions) (*tool.Tool, maker.Attempt, error) {
	tool, att, err := e.Maker(o.Train, o.Valid).Make(ctx, task)
	if err != nil {
		return tool, att, fmt.Errorf("make %s: %w", task.Name, err)
	}
	if err := e.store.SaveTool(ctx, tool); err != nil {
		return nil, att, &SaveError{fmt.Errorf("make %s: %w", task.Name, err)}
	}
	return tool, att, nil
}

// SaveError is a tool that was made but could not be saved.
type SaveError struct{ Err error }

func (e *SaveError) Error() string { return e.Err.Error() }
func (e *SaveError) Unwrap() error { return e.Err }

// Solve answers one instance with tool and returns the recorded run. A
// failed run (the tool's call erred on every try) has OK false and a nil
// error; an error is a failure of the machinery.
func (e *Engine) Solve(ctx context.Context, tool *tool.Tool, in user.Instance) (*tool.Run, error) {
	return e.solver.Solve(ctx, tool, in)
}

// SolveBatch solves items with tool under o.Batch, resuming what the batch
// solved already, with o.Workers (default: the configured workers) at
// once, and hands the results to emit in input order (user.SolveBatch).
func (e *Engine) SolveBatch(ctx context.Context, tool *tool.Tool, items []user.BatchItem, o user.BatchOptions, emit func(user.BatchResult) error) (user.BatchSummary, error) {
	if o.Workers <= 0 {
		o.Workers = e.cfg.Workers
	}
	return e.solver.SolveBatch(ctx, tool, items, o, emit)
}

// Stream runs a stream of mixed instances (dispatch.Stream): routing, the
// pending pool, making a group's tool once it has enough labelled
// instances, and resuming a stopped stream under the same batch.
func (e *Engine) Stream(ctx context.Context, o dispatch.StreamOptions, next func() (dispatch.StreamItem, error), emit func(dispatch.Result) error) (dispatch.StreamSummary, error) {
	if o.Workers <= 0 {
		o.Workers = e.cfg.Workers
	}
	return e.Dispatcher().Stream(ctx, o, next, emit)
}

// Tool returns the tool ref names: NAME (its newest active version) or
// NAME@N.
func (e *Engine) Tool(ctx context.Context, ref string) (*tool.Tool, error) {
	name, version, err := tool.ParseRef(ref)
	if err != nil {
		return nil, &UsageError{err}
	}
	return e.store.Tool(ctx, name, version)
}

// Tools lists the tools, newest first; all includes retired versions.
func (e *Engine) Tools(ctx context.Context, all bool) ([]*tool.Tool, error) {
	return e.store.Tools(ctx, all)
}

// CheckTool re-runs tool's usage examples in the sandbox (user.CheckExamples).
func (e *Engine) CheckTool(ctx context.Context, tool *tool.Tool) []user.ExampleResult {
	return user.CheckExamples(ctx, e.rt, tool)
}

// Runs returns the runs recorded under batch, by input id.
func (e *Engine) Runs(ctx context.Context, batch string) (map[string]*tool.Run, error) {
	return e.store.Runs(ctx, batch)
}

// Batches summarizes every batch that has runs, the most recent first.
func (e *Engine) Batches(ctx context.Context) ([]library.BatchSummary, error) {
	return e.store.Batches(ctx)
}

// Cost sums the ledger's model calls by role, model, tool or day.
func (e *Engine) Cost(ctx context.Context, by string) ([]library.CostRow, error) {
	return e.store.CostReport(ctx, by)
}

// PathStats counts the runs of the tool name by path (parser, template,
// user model), answered or failed, and the guard refusals they met.
func (e *Engine) PathStats(ctx context.Context, name string) (library.PathStats, error) {
	return e.store.PathStatsOf(ctx, name)
}

// ShadowState says where the shadow checks of the tool version stand: the
// answers of each no-model path the user model confirmed, and the
// disagreement that turned them off, if one did.
func (e *Engine) ShadowState(ctx context.Context, tl *tool.Tool) (tool.ShadowState, error) {
	return e.solver.ShadowState(ctx, tl)
}

// BatchPathStats is PathStats for the runs of one batch, by tool reference.
func (e *Engine) BatchPathStats(ctx context.Context, batch string) (map[string]library.PathStats, error) {
	return e.store.BatchPathStats(ctx, batch)
}
