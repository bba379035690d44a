package cli

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/latm/latm/starlarkrt"
)

// TestMain lets this test binary serve as its own sandbox worker, as the
// latm binary does: commands run tools with Subprocess isolation. With
// LATM_TEST_MAIN_ARGS (a JSON list of arguments) it is latm itself: a test
// runs it as a child process, to kill it.
func TestMain(m *testing.M) {
	starlarkrt.RunWorkerIfRequested()
	if a := os.Getenv("LATM_TEST_MAIN_ARGS"); a != "" {
		var args []string
		if err := json.Unmarshal([]byte(a), &args); err != nil {
			os.Stderr.WriteString("LATM_TEST_MAIN_ARGS: " + err.Error() + "\n")
			os.Exit(2)
		}
		os.Exit(Main(context.Background(), args, os.Stdin, os.Stdout, os.Stderr, os.Getenv))
	}
	os.Exit(m.Run())
}
