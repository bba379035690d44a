package cli

import (
	"bytes"
	"context"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/latm/latm/internal/fakeopenai"
)

// Ctrl-C while a model call hangs ends latm with status 130. The signal
// is real (sent to this process) and caught by the same signal context
// main uses; the test waits for the call to reach the server, not a timer.
func TestInterruptExits130(t *testing.T) {
	db := toolsEnv(t)
	seed(t, db, sortTool("sorter"))
	url, accepted := fakeopenai.Silent(t)
	t.Setenv("LATM_BASE_URL", url)
	t.Setenv("LATM_SOLVE_TEMPLATE", "false")
	t.Setenv("LATM_CACHE", "false")
	t.Setenv("OPENAI_API_KEY", "sk-test")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"--db", db, "solve", "--tool", "sorter", "Sort: b a"}, strings.NewReader(""), &out, &errb, os.Getenv)
	}()
	select {
	case <-accepted:
	case code := <-done:
		t.Fatalf("latm ended (exit %d) before its model call: %s", code, errb.String())
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != ExitInterrupted || !strings.Contains(errb.String(), "latm: interrupted") {
			t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitInterrupted, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("latm did not stop within 30s of SIGINT")
	}
}
