package dispatch

import (
	"context"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
)

// An unknown instance answered by the solver model keeps the answer its
// reply states in any of the shapes models write, "So the answer is X."
// included; a reply with no answer is recorded as a failed run that says so.
func TestUnknownInstanceKeepsTheSolversAnswer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ reply, want string }{
		{"Answer: (B)", "(B)"},
		{"Let's think step by step.\nClaire ends with the red ball. So the answer is (C).", "(C)"},
		{"**Final Answer:** 14687", "14687"},
		{"", ""},
	} {
		d, srv := dispatcherEnv(t)
		d.Unknown = UnknownSolver
		srv.Script(fakeopenai.Match{Model: "solver"}, fakeopenai.Reply{Content: tc.reply})
		rs, err := d.Handle(context.Background(), Instance{Batch: "b", ID: "1", Question: wsQ})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || rs[0].Status != StatusPending || rs[0].Answer != tc.want {
			t.Fatalf("reply %q: results %+v, want pending with answer %q", tc.reply, rs, tc.want)
		}
		runs, err := d.Store.(*library.Store).Runs(context.Background(), "b")
		if err != nil {
			t.Fatal(err)
		}
		run := runs["1"]
		if run == nil || run.Answer != tc.want || run.OK != (tc.want != "") || run.OK == (run.Error != "") {
			t.Fatalf("reply %q: recorded run %+v", tc.reply, run)
		}
	}
}
