package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/latm/latm/gateway"
	"github.com/latm/latm/serve"
)

// ServeConfig is the serve.* section of the configuration.
type ServeConfig struct {
	Addr            string        // listen address, host:port
	Auth            string        // "auto": tokens unless the address is loopback; "required": always
	RateLimit       int           // requests per minute per token (or client, without tokens); -1: none
	MaxBody         int64         // bytes of a request body
	MaxBatchBody    int64         // bytes of a batch body
	CORSOrigins     []string      // origins allowed cross-origin requests; none by default
	ShutdownTimeout time.Duration // how long requests in flight may take to finish on SIGTERM
	BatchWorkers    int           // questions of one batch solved at once
	Watch           time.Duration // how often the library is checked for tools other processes made
	LogFormat       string        // "text" or "json" request logs, on standard error
	Operators       []string      // token names that see every tenant's tools and savings
}

// serveConfig turns the serve section of the configuration, checked when
// it was loaded (cli/configfile.go), into the server's settings.
func serveConfig(c ServeSection, workers int) (ServeConfig, error) {
	sc := ServeConfig{
		Addr: c.Addr, Auth: c.Auth, RateLimit: c.RateLimit, ShutdownTimeout: c.ShutdownTimeout,
		BatchWorkers: c.BatchWorkers, Watch: c.Watch, LogFormat: c.LogFormat,
	}
	for _, o := range strings.Split(c.CORSOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			sc.CORSOrigins = append(sc.CORSOrigins, o)
		}
	}
	for _, o := range strings.Split(c.Operators, ",") {
		if o = strings.TrimSpace(o); o != "" {
			sc.Operators = append(sc.Operators, o)
		}
	}
	var err error
	if sc.MaxBody, err = parseSize(c.MaxBody); err != nil {
		return sc, fmt.Errorf("config serve.max_body: %w", err)
	}
	if sc.MaxBatchBody, err = parseSize(c.MaxBatchBody); err != nil {
		return sc, fmt.Errorf("config serve.max_batch_body: %w", err)
	}
	if sc.BatchWorkers <= 0 {
		sc.BatchWorkers = max(workers, 1)
	}
	return sc, nil
}

func newServeCmd(app *App) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve [--addr HOST:PORT]",
		Short: "Serve the JSON API, MCP (at /mcp), metrics and the web console over HTTP",
		Long: `serve answers HTTP on --addr (serve.addr, default 127.0.0.1:8080): the JSON API
under /v1 (described at /openapi.json and in docs/api.md), MCP over streamable
HTTP at /mcp, /healthz, /readyz, Prometheus /metrics and the web console at /,
and (gateway.enabled) an OpenAI-compatible POST /v1/chat/completions and
GET /v1/models in front of the upstream model (docs/gateway.md).

On any address other than loopback every request needs a bearer token (latm
token create); serve.auth = required asks for one on loopback too. SIGTERM or
SIGINT stops accepting requests, lets those in flight finish within
serve.shutdown_timeout, and stops batches, which resume on the next start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sc, err := serveConfig(app.Cfg.Serve, app.Cfg.Workers)
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			if cmd.Flags().Changed("addr") {
				sc.Addr = addr
			}
			return runServe(cmd.Context(), app, sc)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "listen address HOST:PORT (default: serve.addr)")
	return cmd
}

func serveLogger(app *App, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(app.Err, nil))
	}
	return slog.New(slog.NewTextHandler(app.Err, nil))
}

// newServer wires a serve.Server and its engine from the App.
func newServer(ctx context.Context, app *App, sc ServeConfig, requireTokens bool, log *slog.Logger) (*serve.Server, *serve.Local, error) {
	e, err := app.Engine()
	if err != nil {
		return nil, nil, err
	}
	store := e.Store()
	local := &serve.Local{Store: store, Runtime: e.Runtime(), Solver: e.Solver(), Dispatcher: e.Dispatcher(), Maker: e.Maker(0, 0)}
	if requireTokens {
		n, err := store.ActiveTokens(ctx)
		if err != nil {
			return nil, nil, err
		}
		if n == 0 {
			return nil, nil, usageError("serve: %s needs bearer tokens and there are none; create one with latm token create NAME", sc.Addr)
		}
	}
	bq, pool, err := natsBatchQueue(ctx, app)
	if err != nil {
		return nil, nil, err
	}
	var gw *gateway.Gateway
	if app.Cfg.Gateway.Enabled {
		gc, err := gatewayConfig(app)
		if err != nil {
			return nil, nil, &ExitError{Code: ExitUsage, Err: err}
		}
		if gw, err = serve.NewGateway(gc, local, log); err != nil {
			return nil, nil, &ExitError{Code: ExitUsage, Err: err}
		}
	}
	srv := serve.New(local, serve.Options{
		Tokens: store, RequireTokens: requireTokens, RateLimit: sc.RateLimit, MaxBody: sc.MaxBody, MaxBatchBody: sc.MaxBatchBody,
		CORSOrigins: sc.CORSOrigins, Batches: store, BatchWorkers: sc.BatchWorkers, BatchQueue: bq, SharedPool: pool, Logger: log, Version: Version,
		Operators: sc.Operators, ShareTools: app.Cfg.Gateway.ShareTools,
		Gateway: gw,
	})
	return srv, local, nil
}

func runServe(ctx context.Context, app *App, sc ServeConfig) error {
	log := serveLogger(app, sc.LogFormat)
	requireTokens := sc.Auth == "required" || !serve.IsLoopback(sc.Addr)
	srv, local, err := newServer(ctx, app, sc, requireTokens, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", sc.Addr)
	if err != nil {
		return usageError("serve: listen on %s: %v (set --addr or serve.addr)", sc.Addr, err)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := srv.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	defer srv.Close()
	wctx, cancelWatch := context.WithCancel(ctx)
	defer cancelWatch()
	go local.Watch(wctx, sc.Watch)

	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// A whole request, body included, within two minutes; responses
		// have no deadline (batch results and MCP streams run long).
		ReadTimeout: 2 * time.Minute,
		IdleTimeout: 120 * time.Second,
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(srv.Drain)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(app.Err, "latm serve: listening on http://%s (tokens required: %v)\n", ln.Addr(), requireTokens)
	log.Info("serving", slog.String("addr", ln.Addr().String()), slog.Bool("tokens_required", requireTokens))

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", slog.Duration("deadline", sc.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), sc.ShutdownTimeout)
	defer cancel()
	err = hs.Shutdown(sctx)
	srv.Close() // batches stop here and resume on the next start
	if err != nil {
		return fmt.Errorf("serve: requests still running after %s were cut off: %w", sc.ShutdownTimeout, err)
	}
	log.Info("stopped")
	return nil
}
