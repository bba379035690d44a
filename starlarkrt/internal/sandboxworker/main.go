// Command sandboxworker is a bare sandbox worker process, for programs that
// embed starlarkrt and cannot call RunWorkerIfRequested first in their own
// main (set Options.WorkerPath to it), and for the runtime's tests, which
// run the worker outside the race detector: the detector's shadow memory
// cannot live under the OS memory limit a worker sets itself.
package main

import (
	"fmt"
	"os"

	"github.com/latm/latm/starlarkrt"
)

func main() {
	starlarkrt.RunWorkerIfRequested()
	fmt.Fprintln(os.Stderr, "sandboxworker: this program is started by latm's Starlark runtime, not by hand")
	os.Exit(2)
}
