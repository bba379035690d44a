package starlarkrt

import (
	"strings"

	"go.starlark.net/starlark"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// Bytes a Starlark value of each kind costs at least in a list: a string
// header and the interface word that holds it.
const (
	elemBytes   = 16
	stringBytes = 32
)

// guardMethod charges, before a method of go.starlark.net builds its
// result, the size of what it will build (callstate.ChargeAlloc): those
// methods allocate in one step the interpreter cannot interrupt, so a
// result past the memory limit must be refused before it exists. It also
// checks the arguments of str.format as printing would. The methods
// themselves then run unchanged.
func guardMethod(thread *starlark.Thread, recv starlark.Value, name string, args starlark.Tuple, kwargs []starlark.Tuple) error {
	switch r := recv.(type) {
	case starlark.String:
		return guardStringMethod(thread, string(r), name, args, kwargs)
	case *starlark.List:
		if name == "extend" && len(args) == 1 {
			if seq, ok := args[0].(starlark.Sequence); ok {
				return callstate.ChargeAlloc(thread, callstate.Mul(int64(r.Len()+seq.Len()), elemBytes))
			}
		}
	}
	return nil
}

func guardStringMethod(thread *starlark.Thread, s, name string, args starlark.Tuple, kwargs []starlark.Tuple) error {
	switch name {
	case "format":
		for _, a := range args {
			if err := checkPrintable(thread, "format", a); err != nil {
				return err
			}
		}
		for _, kv := range kwargs {
			if err := checkPrintable(thread, "format", kv[1]); err != nil {
				return err
			}
		}
	case "join":
		if len(args) != 1 {
			return nil
		}
		var n, total int64
		switch seq := args[0].(type) {
		case *starlark.List:
			for i := 0; i < seq.Len(); i++ {
				if e, ok := seq.Index(i).(starlark.String); ok {
					total += int64(len(e))
				}
			}
			n = int64(seq.Len())
		case starlark.Tuple:
			for _, e := range seq {
				if e, ok := e.(starlark.String); ok {
					total += int64(len(e))
				}
			}
			n = int64(len(seq))
		default:
			return nil
		}
		if err := callstate.ChargeSteps(thread, uint64(n)); err != nil {
			return err
		}
		if n > 1 {
			total += callstate.Mul(n-1, int64(len(s)))
		}
		return callstate.ChargeAlloc(thread, total)
	case "replace":
		if len(args) < 2 {
			return nil
		}
		old, ok1 := args[0].(starlark.String)
		repl, ok2 := args[1].(starlark.String)
		if !ok1 || !ok2 || len(repl) <= len(old) {
			return nil
		}
		if err := callstate.ChargeBytes(thread, len(s)); err != nil {
			return err
		}
		n := int64(strings.Count(s, string(old)))
		if len(args) > 2 {
			if c, ok := args[2].(starlark.Int); ok {
				if k, ok := c.Int64(); ok && k >= 0 && k < n {
					n = k
				}
			}
		}
		return callstate.ChargeAlloc(thread, int64(len(s))+callstate.Mul(n, int64(len(repl)-len(old))))
	case "split", "rsplit", "splitlines":
		if err := callstate.ChargeBytes(thread, len(s)); err != nil {
			return err
		}
		parts := int64(strings.Count(s, "\n")) + 1
		if name != "splitlines" {
			if len(args) > 0 {
				if sep, ok := args[0].(starlark.String); ok && sep != "" {
					parts = int64(strings.Count(s, string(sep))) + 1
				} else {
					parts = int64(len(s)/2) + 1
				}
			} else {
				parts = int64(len(s)/2) + 1
			}
		}
		return callstate.ChargeAlloc(thread, callstate.Mul(parts, stringBytes))
	case "upper", "lower", "title", "capitalize", "swapcase", "elems", "codepoints":
		n := int64(len(s))
		if name == "elems" || name == "codepoints" {
			n = callstate.Mul(n, stringBytes) // a list of one-character strings, when listed
		}
		return callstate.ChargeAlloc(thread, n)
	}
	return nil
}
