package cli

import (
	"os"
	"testing"

	"github.com/latm/latm/starlarkrt"
)

// TestMain lets this test binary serve as its own sandbox worker, as the
// latm binary does: commands run tools with Subprocess isolation.
func TestMain(m *testing.M) {
	starlarkrt.RunWorkerIfRequested()
	os.Exit(m.Run())
}
