package starlarkrt

import (
	"context"
	"testing"
)

// execSnippet runs code as a tool with an empty snippet... helper below.
func runProg(t *testing.T, code string) (map[string]any, error) {
	t.Helper()
	rt := New(Options{})
	defer rt.Close()
	res, err := rt.Exec(context.Background(), Source{Name: "tool.star", Code: "pass\n"}, Source{Name: "t.star", Code: code})
	if err != nil {
		return nil, err
	}
	return res.Globals, nil
}

func TestSmoke(t *testing.T) {
	g, err := runProg(t, "import math\nfrom math import sqrt as s\nassert 1 == 1\nx = sum(i*i for i in range(4))\ny = [c for c in 'abc']\nz = '%5.2f|' % 3.14159\nw = 2 ** 10\n")
	t.Logf("%v %v", g, err)
}
