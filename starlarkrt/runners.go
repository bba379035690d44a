package starlarkrt

import "time"

// runners are the goroutines in-process calls run on (see detached). A new
// goroutine's stack starts small, and the interpreter's frames grow it
// again on every call, copying it each time it doubles: a quarter of a
// short call's time. A runner keeps the stack it grew for the calls after,
// and ends once it has waited runnerIdle for one. A call given up on keeps
// its runner until it finishes; the next call starts another.
type runners struct{ work chan func() }

const runnerIdle = 30 * time.Second

func newRunners() *runners { return &runners{work: make(chan func())} }

// do runs job on an idle runner, or on a new one.
func (r *runners) do(job func()) {
	select {
	case r.work <- job:
	default:
		go r.loop(job)
	}
}

func (r *runners) loop(job func()) {
	idle := time.NewTimer(runnerIdle)
	defer idle.Stop()
	for {
		job()
		idle.Reset(runnerIdle)
		select {
		case job = <-r.work:
		case <-idle.C:
			return
		}
	}
}
