package worker

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/latm/latm/engine"
	"github.com/latm/latm/library"
	"github.com/latm/latm/user"
)

// childEnv names a worker process the tests start by re-running the test
// binary: its value is the worker's name.
const childEnv = "LATM_TEST_WORKER"

// runChild is a worker process: the NATS URL, model URL, database and
// ack wait come from the environment; it runs until it is killed.
func runChild() int {
	if os.Getenv(childEnv) == "submitter" {
		return runSubmitterChild()
	}
	ackWait, _ := time.ParseDuration(os.Getenv("LATM_TEST_ACKWAIT"))
	replicas, _ := strconv.Atoi(os.Getenv("LATM_TEST_REPLICAS"))
	ctx := context.Background()
	q, err := Connect(ctx, os.Getenv("LATM_TEST_NATS"), Options{AckWait: ackWait, Replicas: replicas})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg := engineConfig(os.Getenv("LATM_TEST_MODEL"), os.Getenv("LATM_TEST_DB"))
	if os.Getenv("LATM_TEST_MAKING") != "" {
		// makingEngine's settings, with every solve asking the user model.
		cfg.Make = engine.MakeConfig{Train: 3, Valid: 3, ProposeTries: 1, VerifyTries: 1}
		cfg.Dispatch.MinExamples = 6
		cfg.Solve.Template = false
	}
	if os.Getenv("LATM_TEST_NOSHADOW") != "" {
		// The no-model benchmark: the template path answers alone from the
		// first instance, as it does after its shadow checks.
		cfg.Solve.Shadow = 0
	}
	e, err := engine.Open(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	slots, _ := strconv.Atoi(os.Getenv("LATM_TEST_SLOTS"))
	w := &Worker{Queue: q, Engine: e, Name: os.Getenv(childEnv), Slots: slots}
	fmt.Println("ready")
	if err := w.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// runSubmitterChild submits the batch "killed" of the sort lists, with its
// file at LATM_TEST_DB, printing the id of each result it emits; it runs
// until it is done or killed.
func runSubmitterChild() int {
	ctx := context.Background()
	q, err := Connect(ctx, os.Getenv("LATM_TEST_NATS"), Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	st, err := library.Open(os.Getenv("LATM_TEST_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_, err = q.Submit(ctx, st, items(lists...), SubmitOptions{Batch: "killed", Tool: sortTool()}, func(r user.BatchResult) error {
		fmt.Println(r.ID)
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
