package json

import (
	"testing"

	"github.com/latm/latm/starlarkrt/internal/modtest"

	"go.starlark.net/starlark"
)

var env = modtest.Env(Module)

// TestJSONDumps compares json.dumps output with what Python prints.
func TestJSONDumps(t *testing.T) {
	for _, c := range []struct{ expr, want string }{
		{`json.dumps({"b": [1, 2.5, None, True], "a": "é\n\""})`, `{"b": [1, 2.5, null, true], "a": "\u00e9\n\""}`},
		{`json.dumps({"b": 1, "a": [1, {}], "c": []}, indent=2, sort_keys=True)`, "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": 1,\n  \"c\": []\n}"},
		{`json.dumps([1, 2], separators=(",", ":"))`, `[1,2]`},
		{`json.dumps({1: "x", None: 2, 1.5: 3})`, `{"1": "x", "null": 2, "1.5": 3}`},
		{`json.dumps("😀")`, `"\ud83d\ude00"`},
		{`json.dumps("é", ensure_ascii=False)`, `"é"`},
		{`json.dumps(1e20)`, `1e+20`},
		{`json.dumps(float("inf"))`, `Infinity`},
		{`json.dumps((1, "a"))`, `[1, "a"]`},
		{`json.dumps(123456789012345678901234567890)`, `123456789012345678901234567890`},
		{`json.encode({"a": 1})`, `{"a":1}`},
	} {
		v, err := modtest.Eval(env, c.expr)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if got, ok := starlark.AsString(v); !ok || got != c.want {
			t.Errorf("%s = %s, want %q", c.expr, v, c.want)
		}
	}
}

func TestJSONLoads(t *testing.T) {
	modtest.Values(t, env, [][2]string{
		{`json.loads('{"a": [1, 2.5, null, true, "x"]}')`, `{"a": [1, 2.5, None, True, "x"]}`},
		{`json.loads(json.dumps({"k": [1, {"z": "é"}]}))`, `{"k": [1, {"z": "é"}]}`},
		{`json.decode("[1]")`, `[1]`},
	})
}

func TestJSONErrors(t *testing.T) {
	modtest.Errors(t, env, [][2]string{
		{`json.loads("{bad")`, "json.loads:"},
		{`json.dumps({(1, 2): 3})`, "keys must be str, int, float, bool or None, not tuple"},
		{`json.dumps(set([1]))`, "object of type set is not JSON serializable"},
		{`json.dumps([1], indent=[2])`, "indent must be None, an int or a string"},
		{`json.dumps([1], separators=",")`, "separators must be a tuple"},
	})
	th := modtest.Thread(0, 0)
	if _, err := modtest.Exec(th, env, "l = []\nl.append(l)\nx = json.dumps(l)\n"); err == nil {
		t.Error("json.dumps of a list that contains itself succeeded, want an error")
	}
}

func TestJSONChargesSteps(t *testing.T) {
	modtest.StepLimit(t, env, "x = [json.dumps(list(range(10000))) for _ in range(100)]", 100000)
}
