package starlarkrt

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestModulesNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"math", "json", "re", "itertools", "datetime"} {
		m, ok := modules()[name]
		if !ok || m.Name != name {
			t.Errorf("modules()[%q] = %v, want a module named %q", name, m, name)
		}
	}
}

// TestModulesThroughRuntime runs Python-style tools that import the modules
// through the runtime (dialect, limits) rather than predeclaring them.
func TestModulesThroughRuntime(t *testing.T) {
	t.Parallel()
	rt := New(Options{Isolation: InProcess, Limits: Limits{MaxSteps: 100000}})
	defer rt.Close()
	src := Source{Name: "mods.star", Code: `import math
import re
import json
from itertools import permutations
from datetime import datetime, timedelta

def f(s):
    d = datetime.strptime(s, "%Y-%m-%d") + timedelta(days=1)
    n = len(list(permutations("abc")))
    return json.dumps({"day": d.strftime("%d/%m/%Y"), "perms": n, "gcd": math.gcd(12, 18), "words": re.findall(r"\w+", "a b")})

def g():
    n = 0
    for p in permutations(range(12)):
        n += 1
    return n
`}
	res, err := rt.Call(context.Background(), src, "f", []any{"2023-12-31"}, nil)
	if err != nil {
		t.Fatalf("f: %v", err)
	}
	if got, want := res.Value, `{"day": "01/01/2024", "perms": 6, "gcd": 6, "words": ["a", "b"]}`; got != want {
		t.Errorf("f = %v, want %v", got, want)
	}
	start := time.Now()
	_, err = rt.Call(context.Background(), src, "g", nil, nil)
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != "steps" {
		t.Errorf("g over 12! permutations: err = %v, want the steps limit", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("g took %v to stop at the step limit", d)
	}
}
