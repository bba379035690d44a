package fakeopenai

import (
	"fmt"
	"os"
	"testing"
)

// Start starts a server outside a test, for a runnable example: what
// would fail a test (an unscripted request) is printed on standard error
// and answered with a 500. Close stops it.
func Start() *Server { return newServer(standalone{}) }

// standalone is the testing.TB of a server outside a test; only the
// methods the server calls are implemented.
type standalone struct{ testing.TB }

func (standalone) Helper()        {}
func (standalone) Cleanup(func()) {}
func (standalone) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
func (standalone) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
