package cli

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

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
	return cmd
}
