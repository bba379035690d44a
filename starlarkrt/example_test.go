package starlarkrt_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/latm/latm/starlarkrt"
)

// A program that embeds the runtime. With Subprocess isolation (what latm
// uses), main must call starlarkrt.RunWorkerIfRequested first.
func ExampleRuntime_Call() {
	rt := starlarkrt.New(starlarkrt.Options{
		Isolation: starlarkrt.InProcess,
		Limits:    starlarkrt.Limits{MaxSteps: 1_000_000, Timeout: time.Second},
	})
	defer rt.Close()
	tool := starlarkrt.Source{Name: "sort.star", Code: `
def sort_words(words):
    """Sorts words alphabetically."""
    return " ".join(sorted(words))
`}
	res, err := rt.Call(context.Background(), tool, "sort_words", []any{[]any{"pear", "apple", "fig"}}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Value)

	loop := starlarkrt.Source{Name: "loop.star", Code: "def f():\n    while True:\n        pass\n"}
	_, err = rt.Call(context.Background(), loop, "f", nil, nil)
	var le *starlarkrt.LimitError
	fmt.Println(errors.As(err, &le), err)
	// Output:
	// apple fig pear
	// true limit exceeded: steps (max 1000000)
}

// A call snippet, as the tool user writes it, runs after the tool and
// sees its functions; its globals come back.
func ExampleRuntime_Exec() {
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
	defer rt.Close()
	tool := starlarkrt.Source{Name: "tool.star", Code: "def double(x):\n    return 2 * x\n"}
	call := starlarkrt.Source{Name: "call.star", Code: "ret = double(21)\nans = f\"{ret}!\"\n"}
	res, err := rt.Exec(context.Background(), tool, call)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Order, res.Globals["ans"])
	// Output: [ret ans] 42!
}
