package paperwrappers

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/library"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// TestPaperWrappersPassTheirUseCases imports each of GPT-4's six wrappers as
// a latm package into a fresh library, then runs every use case in the
// sandbox after the tool, post-processes its ans as latm answers questions,
// and checks the answer the chat states. Tracking shuffled objects relies on
// one-based option indexes (ans = options.index(ret["Claire"]) + 1),
// logical deduction on bare option letters, schedule meeting on the meeting
// rules.
func TestPaperWrappersPassTheirUseCases(t *testing.T) {
	ctx := context.Background()
	store, err := library.Open(filepath.Join(t.TempDir(), "latm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	// The default step limit applies; the time limit is generous because
	// the remainder tool's search (480 550 numbers) takes seconds when the
	// machine is loaded.
	rt := starlarkrt.New(starlarkrt.Options{Limits: starlarkrt.Limits{Timeout: 2 * time.Minute}})
	t.Cleanup(func() { rt.Close() })

	tasks := Tasks()
	if len(tasks) != 6 {
		t.Fatalf("%d chats embedded, want the paper's 6: %v", len(tasks), tasks)
	}
	for _, task := range tasks {
		t.Run(task, func(t *testing.T) {
			converted, err := Tool(task)
			if err != nil {
				t.Fatal(err)
			}
			if len(converted.Examples) != 3 {
				t.Fatalf("%d use cases, want 3", len(converted.Examples))
			}
			pkg, err := tool.EncodePackage(converted)
			if err != nil {
				t.Fatal(err)
			}
			decoded, err := tool.DecodePackage(pkg)
			if err != nil {
				t.Fatalf("the package does not import: %v\n%s", err, pkg)
			}
			if err := store.SaveTool(ctx, decoded); err != nil {
				t.Fatal(err)
			}
			imported, err := store.Tool(ctx, task, 0)
			if err != nil {
				t.Fatal(err)
			}
			if imported.Source != converted.Source || !reflect.DeepEqual(imported.Examples, converted.Examples) {
				t.Fatalf("the library changed the tool on the way in")
			}
			src := starlarkrt.Source{Name: imported.Ref() + ".star", Code: imported.Source}
			for i, ex := range imported.Examples {
				res, err := rt.Exec(ctx, src, starlarkrt.Source{Name: "use-case.star", Code: ex.Code})
				if err != nil {
					t.Errorf("use case %d does not run: %v", i+1, err)
					continue
				}
				got, err := user.FinalAnswer(ex.Question, res)
				if err != nil {
					t.Errorf("use case %d: %v", i+1, err)
					continue
				}
				if !answer.Correct(task, got, ex.Answer) {
					t.Errorf("use case %d: answer %q (ans = %s), the chat states %q", i+1, got, user.RawResult(res), ex.Answer)
				}
			}
		})
	}
}

// TestConvertReadsTheWrappers pins what the converter reads out of the
// chats: the entry each use case calls, questions in the chat's own text
// (the schedule-meeting wrapper joins the question's lines with ". "), and
// answers from the verification step where the wrapper states none.
func TestConvertReadsTheWrappers(t *testing.T) {
	tools, err := Tools()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ sig, firstAnswer string }{
		"chinese_remainder_theorem":              {"find_number(max_limit, divisors, remainders)", "74514"},
		"dyck_languages":                         {"complete_sequence(input_str)", "])"},
		"logical_deduction_five_objects":         {"find_order(objects, constraints)", "(E)"},
		"schedule_meeting":                       {"find_earliest_time_slot(a_availability, b_availability, meeting_duration)", "No time slot works."},
		"tracking_shuffled_objects_five_objects": {"square_dance(initial_partners, switches)", "(C)"},
		"word_sorting":                           {"sort_words_alphabetically(word_list)", "apparition conference copra coupe dutton floruit ignore implement layperson messenger primitive superstitious turnoff westward"},
	}
	for _, tl := range tools {
		w, ok := want[tl.Name]
		if !ok {
			t.Errorf("unexpected tool %s", tl.Name)
			continue
		}
		if tl.Signature != w.sig || tl.Examples[0].Answer != w.firstAnswer || tl.MakerModel != "gpt-4" {
			t.Errorf("%s: signature %q, first answer %q, maker %q; want %q, %q", tl.Name, tl.Signature, tl.Examples[0].Answer, tl.MakerModel, w.sig, w.firstAnswer)
		}
	}
	meeting, err := Tool("schedule_meeting")
	if err != nil {
		t.Fatal(err)
	}
	if q := meeting.Examples[0].Question; q != "A and B want to schedule a 1-hour meeting together.\nA's availability: 12:00 - 12:30, 13:00 - 13:30, 14:30 - 15:30, 17:30 - 18:00\nB's availability: 09:00 - 11:00, 12:00 - 12:30, 13:00 - 13:30, 15:30 - 16:30, 17:30 - 18:00\nWhat time slot works best? (if multiple, choose the earliest one" {
		t.Errorf("meeting question not the chat's own text: %q", q)
	}
}
