package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/engine"
	"github.com/latm/latm/serve"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
	"github.com/latm/latm/worker"
)

// natsFlags are the queue settings shared by latm worker and the --nats
// submitters; they must agree across a deployment.
// Unset, --nats-replicas and --nats-ack-wait take nats.replicas and
// nats.ack_wait from the configuration.
type natsFlags struct {
	url      string
	replicas int
	ackWait  time.Duration
	cmd      *cobra.Command
}

func (n *natsFlags) register(cmd *cobra.Command, usage string) {
	f := cmd.Flags()
	n.cmd = cmd
	f.StringVar(&n.url, "nats", "", usage)
	f.IntVar(&n.replicas, "nats-replicas", 1, "replicas of latm's stream and buckets (3 on a three-node cluster; default: nats.replicas)")
	f.DurationVar(&n.ackWait, "nats-ack-wait", 30*time.Second, "how long an instance may go unacknowledged before it is redelivered (default: nats.ack_wait)")
}

func (n *natsFlags) connect(ctx context.Context, cfg NATSSection) (*worker.Queue, error) {
	o := natsOptions(cfg)
	if n.cmd != nil && n.cmd.Flags().Changed("nats-replicas") {
		o.Replicas = n.replicas
	}
	if n.cmd != nil && n.cmd.Flags().Changed("nats-ack-wait") {
		o.AckWait = n.ackWait
	}
	if o.Replicas < 1 {
		return nil, usageError("nats replicas must be at least 1 (--nats-replicas, nats.replicas)")
	}
	return worker.Connect(ctx, n.url, o)
}

func natsOptions(cfg NATSSection) worker.Options {
	return worker.Options{Replicas: cfg.Replicas, AckWait: cfg.AckWait}
}

func newWorkerCmd(app *App) *cobra.Command {
	var nf natsFlags
	var name string
	var slots int
	cmd := &cobra.Command{
		Use:   "worker --nats URL [--slots N] [--name NAME]",
		Short: "Solve instances from a NATS JetStream work queue, on any number of machines",
		Long: `worker pulls instances from latm's JetStream work queue (published by
latm solve --input FILE --nats URL), solves each through this process's
engine (the tool the submitter named, or routing through the local library
when it named none, with the pending pool and tool making shared by every
worker), stores the result under a key per batch and instance,
and acknowledges the instance only once the result is stored. A worker
killed mid-instance loses nothing: the instance is redelivered after
--nats-ack-wait, and a redelivery never stores a second result. Run as many
as you like, on as many machines; each keeps its own runs and ledger in its
--db file and publishes them as events for the submitters' files (latm nats
collect). Stops on interrupt.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if nf.url == "" {
				nf.url = app.Cfg.NATS.URL
			}
			if nf.url == "" {
				return usageError("worker: --nats URL (or nats.url) is required (latm nats runs a server on this host)")
			}
			ctx := cmd.Context()
			q, err := nf.connect(ctx, app.Cfg.NATS)
			if err != nil {
				return err
			}
			defer q.Close()
			e, err := app.Engine()
			if err != nil {
				return err
			}
			if name == "" {
				host, _ := os.Hostname()
				name = fmt.Sprintf("%s/%d", host, os.Getpid())
			}
			if !cmd.Flags().Changed("slots") {
				slots = app.Cfg.Workers
			}
			var log = app.Err
			if !app.verbose {
				log = nil
			}
			fmt.Fprintf(app.Err, "worker %s: pulling from %s with %d slot(s)\n", name, nf.url, max(slots, 1))
			return (&worker.Worker{Queue: q, Engine: e, Name: name, Slots: slots, Log: log}).Run(ctx)
		},
	}
	nf.register(cmd, "URL(s) of the NATS servers, comma-separated (default: nats.url; required)")
	cmd.Flags().StringVar(&name, "name", "", "name recorded with each result (default: host/pid)")
	cmd.Flags().IntVar(&slots, "slots", 0, "instances solved at once (default: the workers setting)")
	return cmd
}

// natsSolveBatch is solve's batch over NATS: the instances are published
// for workers and their results collected into the local file.
func natsSolveBatch(ctx context.Context, app *App, nf *natsFlags, tool *tool.Tool, items []user.BatchItem, o user.BatchOptions, emit func(user.BatchResult) error) (user.BatchSummary, error) {
	q, err := nf.connect(ctx, app.Cfg.NATS)
	if err != nil {
		return user.BatchSummary{}, err
	}
	defer q.Close()
	st, err := app.Store()
	if err != nil {
		return user.BatchSummary{}, err
	}
	return q.Submit(ctx, st, items, worker.SubmitOptions{Batch: o.Batch, Tool: tool, Progress: o.Progress, Import: toolImport(app, st, "solve")}, emit)
}

// toolImport imports the tools workers made into this machine's library
// (st), after the usage examples pass in the sandbox as latm tools import
// checks them, and says so on standard error.
func toolImport(app *App, st worker.ToolStore, cmd string) worker.ToolImport {
	return worker.ToolImport{
		Store: st,
		Check: func(ctx context.Context, t *tool.Tool) []user.ExampleResult {
			return user.CheckExamples(ctx, app.Runtime(), t)
		},
		Report: func(t *tool.Tool, err error) {
			if err != nil {
				fmt.Fprintf(app.Err, "%s: the tool %s a worker made is not imported: %v\n", cmd, t.Name, err)
				return
			}
			fmt.Fprintf(app.Err, "%s: imported %s, made by a worker (%d usage examples pass)\n", cmd, t.Ref(), len(t.Examples))
		},
	}
}

// natsStream is stream's run over NATS: the instances are published for
// workers to route and solve, and their results collected into the local
// file.
func natsStream(ctx context.Context, app *App, nf *natsFlags, so dispatch.StreamOptions, next func() (dispatch.StreamItem, error), emit func(dispatch.Result) error) (dispatch.StreamSummary, error) {
	q, err := nf.connect(ctx, app.Cfg.NATS)
	if err != nil {
		return dispatch.StreamSummary{}, err
	}
	defer q.Close()
	st, err := app.Store()
	if err != nil {
		return dispatch.StreamSummary{}, err
	}
	// The workers route through every active tool of this library.
	tools, err := st.Tools(ctx, false)
	if err != nil {
		return dispatch.StreamSummary{}, err
	}
	for _, t := range tools {
		if _, err := q.PublishTool(ctx, t); err != nil {
			return dispatch.StreamSummary{}, err
		}
	}
	return q.SubmitStream(ctx, st, worker.StreamOptions{Batch: so.Batch, Import: toolImport(app, st, "stream")}, next, emit)
}

// natsBatchQueue is the server's batch queue when nats.url is set, and
// the workers' shared pool its batches' unknown questions wait in (nil
// both otherwise): the connection lasts until ctx is done.
func natsBatchQueue(ctx context.Context, app *App) (serve.BatchQueue, serve.SharedPool, error) {
	if app.Cfg.NATS.URL == "" {
		return nil, nil, nil
	}
	if app.Cfg.NATS.Replicas < 1 {
		return nil, nil, usageError("nats.replicas must be at least 1")
	}
	q, err := worker.Connect(ctx, app.Cfg.NATS.URL, natsOptions(app.Cfg.NATS))
	if err != nil {
		return nil, nil, err
	}
	context.AfterFunc(ctx, q.Close)
	e, err := app.Engine()
	if err != nil {
		return nil, nil, err
	}
	return &natsBatches{q: q, e: e}, natsPool{q: q, need: groupNeeds(app)}, nil
}

// natsPool is the workers' shared pending pool, as the server shows and
// labels it.
type natsPool struct {
	q    *worker.Queue
	need int // labelled instances a group needs before its tool is made
}

func (p natsPool) Pending(ctx context.Context) ([]*tool.Pending, error) { return p.q.PendingPool(ctx) }

func (p natsPool) Label(ctx context.Context, id, answer string) error {
	_, _, err := labelInPool(ctx, p.q, p.need, id, answer)
	return err
}

// natsBatches solves the server's batches through latm workers.
type natsBatches struct {
	q *worker.Queue
	e *engine.Engine
}

func (b *natsBatches) SolveBatch(ctx context.Context, qb serve.QueuedBatch, items []serve.QueuedItem, emit func(int, serve.QueuedResult) error) error {
	var tl *tool.Tool
	if qb.Tool != "" {
		var err error
		if tl, err = b.e.Tool(ctx, qb.Tool); err != nil {
			return err
		}
	}
	its := make([]user.BatchItem, len(items))
	for i, it := range items {
		its[i] = user.BatchItem{Line: it.Line, ID: it.ID, Question: it.Question}
	}
	i := 0
	// Workers routing the batch may make tools: the server's library
	// imports them once it is done, as a stream's submitter does.
	imp := worker.ToolImport{Store: b.e.Store(), Check: b.e.CheckTool}
	_, err := b.q.Submit(ctx, b.e.Store(), its, worker.SubmitOptions{Batch: qb.ID, Tool: tl, Tenant: qb.Tenant, Share: qb.Share, Import: imp}, func(r user.BatchResult) error {
		st := dispatch.StatusSolved
		switch {
		case r.OK && r.Tool == "" || strings.HasPrefix(r.Error, "no answer: "+dispatch.StatusPending):
			st = dispatch.StatusPending // routed to the pending pool
		case !r.OK:
			st = dispatch.StatusError
		}
		err := emit(i, serve.QueuedResult{Status: st, Answer: r.Answer, OK: r.OK, Tool: r.Tool, Error: r.Error})
		i++
		return err
	})
	return err
}
