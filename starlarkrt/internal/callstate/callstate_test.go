package callstate

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

func thread(st *State) *starlark.Thread {
	th := &starlark.Thread{Name: "test"}
	if st != nil {
		Attach(th, st)
	}
	return th
}

func TestChargeSteps(t *testing.T) {
	t.Parallel()
	th := thread(&State{MaxSteps: 100})
	if err := ChargeSteps(th, 99); err != nil {
		t.Fatalf("99 of 100 steps: %v", err)
	}
	err := ChargeSteps(th, 1)
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != "steps" || le.Max != "100" {
		t.Fatalf("100 of 100 steps: %v, want the steps limit", err)
	}
	// Once stopped, every charge fails with the same reason.
	if err2 := ChargeSteps(th, 0); err2 != err {
		t.Fatalf("after the limit: %v, want %v", err2, err)
	}
	// A bare thread counts and never fails.
	bare := thread(nil)
	if err := ChargeSteps(bare, 1<<40); err != nil || bare.Steps != 1<<40 {
		t.Fatalf("bare thread: %v, %d steps", err, bare.Steps)
	}
}

func TestFirstStopReasonWins(t *testing.T) {
	t.Parallel()
	st := &State{}
	th := thread(st)
	st.Cancel(th, context.Canceled)
	st.Halt(th, &LimitError{Limit: "time", Max: "1s"})
	if err := st.Err(); !errors.Is(err, context.Canceled) || st.Limit() != nil {
		t.Fatalf("cancel then time limit: %v, want the cancel", err)
	}
	st2 := &State{}
	th2 := thread(st2)
	st2.Halt(th2, &LimitError{Limit: "time", Max: "1s"})
	st2.Cancel(th2, context.Canceled)
	if st2.Limit() == nil || st2.CtxErr() != nil {
		t.Fatalf("time limit then cancel: %v, want the time limit", st2.Err())
	}
}

func TestChargeAlloc(t *testing.T) {
	t.Parallel()
	grown := int64(0)
	st := &State{MaxMemory: 1000, Growth: func() int64 { return grown }}
	th := thread(st)
	if err := ChargeAlloc(th, 900); err != nil {
		t.Fatalf("900 of 1000 bytes: %v", err)
	}
	grown = 200
	err := ChargeAlloc(th, 900)
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != "memory" {
		t.Fatalf("900 bytes with 200 grown under 1000: %v, want the memory limit", err)
	}
	if got := Mul(1<<40, 1<<40); got != 1<<62 {
		t.Errorf("Mul saturates at %d, want %d", got, int64(1<<62))
	}
}

func TestCheckPrintable(t *testing.T) {
	t.Parallel()
	// A tuple shared 2^60 ways stops at the step limit.
	var v starlark.Value = starlark.Tuple{}
	for i := 0; i < 60; i++ {
		v = starlark.Tuple{v, v}
	}
	th := thread(&State{MaxSteps: 100000})
	var le *LimitError
	if err := CheckPrintable(th, v); !errors.As(err, &le) || le.Limit != "steps" {
		t.Errorf("shared tuple: %v, want the steps limit", err)
	}
	// Nesting past MaxNesting is a depth limit.
	v = starlark.NewList(nil)
	for i := 0; i < MaxNesting+1; i++ {
		v = starlark.NewList([]starlark.Value{v})
	}
	if err := CheckPrintable(thread(&State{}), v); !errors.As(err, &le) || le.Limit != "depth" {
		t.Errorf("deep list: %v, want the depth limit", err)
	}
	// A list that contains itself is fine: it prints as [...].
	l := starlark.NewList(nil)
	l.Append(l)
	if err := CheckPrintable(thread(&State{}), l); err != nil {
		t.Errorf("self-containing list: %v", err)
	}
	// Integers past Python's 4300 digits cannot be printed, but can be walked.
	huge := starlark.MakeInt(1)
	for i := 0; i < 5000; i++ {
		huge = huge.Mul(starlark.MakeInt(10))
	}
	var de *IntDigitsError
	if err := CheckPrintable(thread(&State{}), huge); !errors.As(err, &de) || !strings.Contains(err.Error(), "4300 digits") {
		t.Errorf("5001-digit int: %v, want the digits error", err)
	}
	if err := CheckWalk(thread(&State{}), huge); err != nil {
		t.Errorf("CheckWalk of a 5001-digit int: %v", err)
	}
}

func TestCheckNesting(t *testing.T) {
	t.Parallel()
	var le *LimitError
	deep := strings.Repeat("[", MaxNesting+1) + strings.Repeat("]", MaxNesting+1)
	if err := CheckNesting(thread(&State{}), deep); !errors.As(err, &le) || le.Limit != "depth" {
		t.Errorf("deep JSON: %v, want the depth limit", err)
	}
	// Brackets inside strings do not count.
	s := `["` + strings.Repeat("[", 5000) + `\"", 1]`
	if err := CheckNesting(thread(&State{}), s); err != nil {
		t.Errorf("brackets in a string: %v", err)
	}
}
