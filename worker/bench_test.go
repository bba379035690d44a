package worker

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

// lineTool sorts the words of one string: its call quotes the question's
// word list, so the template path answers with no model call.
func lineTool() *tool.Tool {
	return &tool.Tool{
		Name: "sortline", Version: 1, Description: "Sort the words of a line alphabetically.",
		Source: "def sort_line(s):\n    return \" \".join(sorted(s.split()))\n", Entry: "sort_line", Signature: "sort_line(s)",
		Examples: []tool.UsageExample{
			{Question: sortQuestion("oven", "costume"), Code: `ans = sort_line("oven costume")`, Answer: "costume oven"},
			{Question: sortQuestion("zeta", "alpha", "mu"), Code: `ans = sort_line("zeta alpha mu")`, Answer: "alpha mu zeta"},
		},
	}
}

// startChildren starts n worker processes of slots each, with env added
// to their environment, and waits until each has connected.
func startChildren(b *testing.B, n, slots int, urls, modelURL string, env ...string) {
	b.Helper()
	for i := range n {
		c := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
		c.Env = append(os.Environ(), fmt.Sprintf("%s=p%d", childEnv, i), "LATM_TEST_NATS="+urls, "LATM_TEST_MODEL="+modelURL,
			"LATM_TEST_DB="+filepath.Join(b.TempDir(), "w.db"), fmt.Sprintf("LATM_TEST_SLOTS=%d", slots))
		c.Env = append(c.Env, env...)
		c.Stderr = os.Stderr
		out, err := c.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
		if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
			b.Fatalf("worker process %d: %q, %v", i, line, err)
		}
	}
}

// BenchmarkWorkers measures a batch's throughput through worker processes
// on one JetStream server on loopback: with a scripted model of fixed
// latency (each process solves one instance at a time), and with no model
// (the template path; each process solves two at a time). x_linear is a
// run's throughput over procs times the one-process runs' of its kind
// (their mean with -count; 1 is linear scaling).
//
//	go test ./worker/ -run '^$' -bench Workers -benchtime 1x -count 3
func BenchmarkWorkers(b *testing.B) {
	const delay = 50 * time.Millisecond
	// The one-process throughput, with and without a model: the mean over
	// -count runs (each sub-benchmark's runs come one after another).
	oneSum, oneN := map[bool]float64{}, map[bool]float64{}
	for _, c := range []struct {
		name         string
		procs, slots int
		n            int
		model        bool
	}{
		{"model/procs=1", 1, 1, 40, true},
		{"model/procs=2", 2, 1, 80, true},
		{"model/procs=4", 4, 1, 160, true},
		{"nomodel/procs=1", 1, 2, 400, false},
		{"nomodel/procs=2", 2, 2, 400, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			srv := fakeopenai.New(b)
			srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
				rep := sortReply(r)
				rep.Delay = delay
				return rep
			})
			s, err := StartServer(ServerConfig{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Shutdown()
			q, err := Connect(ctx, s.ClientURL(), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer q.NC.Close()
			var env []string
			if !c.model {
				// No model at all: no shadow checks of the template path
				// either (they would ask the user model for its first
				// answers, and this tool's calls are not the model's).
				env = append(env, "LATM_TEST_NOSHADOW=1")
			}
			startChildren(b, c.procs, c.slots, s.ClientURL(), srv.URL, env...)
			tl := lineTool()
			if c.model {
				tl = sortTool()
			}
			var words [][]string
			for i := range c.n {
				words = append(words, []string{letters(i), "bee", "ant"})
			}
			its := items(words...)
			// A warm-up batch: every process has pulled once.
			if _, _, err := collect(ctx, q, openStoreB(b), its[:c.procs*c.slots], SubmitOptions{Batch: b.Name() + "-warm", Tool: tl}); err != nil {
				b.Fatal(err)
			}
			calls := len(srv.Requests())
			var total time.Duration
			for i := range b.N {
				st := openStoreB(b)
				start := time.Now()
				got, _, err := collect(ctx, q, st, its, SubmitOptions{Batch: fmt.Sprintf("%s-%d", b.Name(), i), Tool: tl})
				total += time.Since(start)
				if err != nil || len(got) != len(its) {
					b.Fatalf("%d results (%v)", len(got), err)
				}
			}
			if made := len(srv.Requests()) - calls; c.model != (made > 0) {
				b.Fatalf("%d model calls in the timed batches", made)
			}
			rate := float64(c.n*b.N) / total.Seconds()
			b.ReportMetric(rate, "inst/s")
			if c.procs == 1 {
				oneSum[c.model] += rate
				oneN[c.model]++
			} else if oneN[c.model] > 0 {
				b.ReportMetric(rate/(float64(c.procs)*oneSum[c.model]/oneN[c.model]), "x_linear")
			}
		})
	}
}

func openStoreB(b *testing.B) *library.Store {
	st, err := library.Open(filepath.Join(b.TempDir(), "submit.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// letters spells i in the letters a–z, a word unique to i.
func letters(i int) string {
	w := []byte{'w'}
	for {
		w = append(w, byte('a'+i%26))
		if i /= 26; i == 0 {
			return string(w)
		}
	}
}
