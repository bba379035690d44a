package cli

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/latm/latm/worker"
)

func newNATSCmd(app *App) *cobra.Command {
	var dir, listen string
	cmd := &cobra.Command{
		Use:   "nats [--store DIR] [--listen 127.0.0.1:4222]",
		Short: "Run an embedded NATS JetStream server on local disk, for workers on one host",
		Long: `nats runs a NATS server with JetStream in this process, keeping its streams
and buckets under --store (default: a "nats" directory beside the database),
until interrupted. latm worker --nats URL and latm solve --input FILE --nats
URL then share its work queue. For several machines, run a real NATS
cluster instead (see docs/scale.md); the same URLs work.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			host, portStr, err := net.SplitHostPort(listen)
			if err != nil {
				return usageError("nats: --listen %q: %v (fix: give HOST:PORT, like 127.0.0.1:4222)", listen, err)
			}
			port, err := strconv.Atoi(portStr)
			if err != nil || port < 0 || port > 65535 {
				return usageError("nats: --listen %q: the port must be a number from 0 to 65535", listen)
			}
			if dir == "" {
				dir = filepath.Join(filepath.Dir(app.Cfg.DB), "nats")
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("nats: store: %w", err)
			}
			s, err := worker.StartServer(worker.ServerConfig{Dir: dir, Host: host, Port: port})
			if err != nil {
				return err
			}
			defer s.Shutdown()
			fmt.Fprintf(app.Err, "nats: JetStream at %s, store %s (interrupt to stop)\n", s.ClientURL(), dir)
			<-cmd.Context().Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "directory of the JetStream store (default: nats/ beside the database)")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:4222", "HOST:PORT to accept clients on (port 0: any free port)")
	cmd.AddCommand(newNATSCollectCmd(app))
	return cmd
}

func newNATSCollectCmd(app *App) *cobra.Command {
	var nf natsFlags
	var batch string
	var once bool
	cmd := &cobra.Command{
		Use:   "collect [--nats URL] [--batch ID] [--once]",
		Short: "Fill the local file with the ledger and runs latm workers publish, for latm cost and latm runs",
		Long: `collect applies the events latm workers publish on NATS JetStream — each
model call they make and each result they store — to the local file (--db),
so that latm cost and latm runs there count work solved on any machine. It
resumes where it stopped (a durable consumer per file), and applies each
event once however often it is delivered. Every latm solve --nats and latm
stream --nats collects its own batch already; run this for everything
(or --batch ID) on a machine that submits nothing. --once applies what is
there and stops; otherwise it runs until interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if nf.url == "" {
				nf.url = app.Cfg.NATS.URL
			}
			if nf.url == "" {
				return usageError("nats collect: --nats URL (or nats.url) is required")
			}
			ctx := cmd.Context()
			q, err := nf.connect(ctx, app.Cfg.NATS)
			if err != nil {
				return err
			}
			defer q.Close()
			st, err := app.Store()
			if err != nil {
				return err
			}
			abs, err := filepath.Abs(app.Cfg.DB)
			if err != nil {
				return err
			}
			var calls, runs atomic.Int64
			c, err := q.Collector(ctx, st, worker.CollectOptions{Name: "collect:" + abs, Batch: batch, Applied: func(ev worker.Event) {
				if ev.Kind == worker.EventCall {
					calls.Add(1)
				} else {
					runs.Add(1)
				}
			}})
			if err != nil {
				return err
			}
			if once {
				err = c.Drain(ctx)
			} else {
				fmt.Fprintf(app.Err, "nats collect: applying events from %s to %s (interrupt to stop)\n", nf.url, app.Cfg.DB)
				err = c.Run(ctx)
			}
			fmt.Fprintf(app.Err, "nats collect: %d model calls and %d runs applied to %s\n", calls.Load(), runs.Load(), app.Cfg.DB)
			return err
		},
	}
	nf.register(cmd, "URL(s) of the NATS servers, comma-separated (default: nats.url)")
	cmd.Flags().StringVar(&batch, "batch", "", "collect only this batch's events")
	cmd.Flags().BoolVar(&once, "once", false, "apply the events there are and stop")
	return cmd
}
