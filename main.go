// Command latm makes large language models build their own tools: see
// README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/latm/latm/cli"
	"github.com/latm/latm/starlarkrt"
)

func main() {
	// A sandbox worker process is this same binary; it never returns.
	starlarkrt.RunWorkerIfRequested()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, a second one ends latm at once.
		<-ctx.Done()
		stop()
	}()
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
