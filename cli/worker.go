package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/latm/latm/library"
	"github.com/latm/latm/user"
	"github.com/latm/latm/worker"
)

// natsFlags are the queue settings shared by latm worker and the --nats
// submitters; they must agree across a deployment.
type natsFlags struct {
	url      string
	replicas int
	ackWait  time.Duration
}

func (n *natsFlags) register(cmd *cobra.Command, usage string) {
	f := cmd.Flags()
	f.StringVar(&n.url, "nats", "", usage)
	f.IntVar(&n.replicas, "nats-replicas", 1, "replicas of latm's stream and buckets (3 on a three-node cluster)")
	f.DurationVar(&n.ackWait, "nats-ack-wait", 30*time.Second, "how long an instance may go unacknowledged before it is redelivered")
}

func (n *natsFlags) connect(ctx context.Context) (*worker.Queue, error) {
	if n.replicas < 1 {
		return nil, usageError("--nats-replicas must be at least 1")
	}
	return worker.Connect(ctx, n.url, worker.Options{Replicas: n.replicas, AckWait: n.ackWait})
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
when it named none), stores the result under a key per batch and instance,
and acknowledges the instance only once the result is stored. A worker
killed mid-instance loses nothing: the instance is redelivered after
--nats-ack-wait, and a redelivery never stores a second result. Run as many
as you like, on as many machines; each keeps its own runs and ledger in its
--db file. Stops on interrupt.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if nf.url == "" {
				return usageError("worker: --nats URL is required (latm nats runs a server on this host)")
			}
			ctx := cmd.Context()
			q, err := nf.connect(ctx)
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
	nf.register(cmd, "URL(s) of the NATS servers, comma-separated (required)")
	cmd.Flags().StringVar(&name, "name", "", "name recorded with each result (default: host/pid)")
	cmd.Flags().IntVar(&slots, "slots", 0, "instances solved at once (default: the workers setting)")
	return cmd
}

// natsSolveBatch is solve's batch over NATS: the instances are published
// for workers and their results collected into the local file.
func natsSolveBatch(ctx context.Context, app *App, nf *natsFlags, tool *library.Tool, items []user.BatchItem, o user.BatchOptions, emit func(user.BatchResult) error) (user.BatchSummary, error) {
	q, err := nf.connect(ctx)
	if err != nil {
		return user.BatchSummary{}, err
	}
	defer q.Close()
	st, err := app.Store()
	if err != nil {
		return user.BatchSummary{}, err
	}
	return q.Submit(ctx, st, items, worker.SubmitOptions{Batch: o.Batch, Tool: tool, Progress: o.Progress}, emit)
}
