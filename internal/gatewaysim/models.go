package gatewaysim

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/latm/latm/internal/fakeopenai"
)

var (
	qaRE = regexp.MustCompile(`(?m)^Question: (.+)\nAnswer: (.+)$`)
	qRE  = regexp.MustCompile(`(?m)^Question: (.+)$`)
)

// fenced is code the way a model replies it.
func fenced(codes ...string) string {
	var b strings.Builder
	b.WriteString("Here it is.\n")
	for _, c := range codes {
		fmt.Fprintf(&b, "```starlark\n%s\n```\n", strings.TrimSpace(c))
	}
	return b.String()
}

func taskOf(tasks []Task, q string) (Task, bool) {
	for _, t := range tasks {
		if _, ok := t.Solve(q); ok {
			return t, true
		}
	}
	return Task{}, false
}

// Models scripts srv as latm's own models, keyed on the prompt template
// each request names: the maker writes the task's tool (propose), one test
// per validation example (verify) and the call code of each training
// question (package); the user model writes the call of its question
// (use). The questions and answers are read from the prompt, as a model
// would read them. Anything else gets a 500, which fails the making.
func Models(srv *fakeopenai.Server, tasks []Task) {
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		last := r.Last()
		switch r.Template {
		case "propose":
			var answers []string
			var task Task
			found := false
			for _, m := range qaRE.FindAllStringSubmatch(last, -1) {
				if t, ok := taskOf(tasks, m[1]); ok && !found {
					task, found = t, true
				}
				answers = append(answers, m[2])
			}
			if !found {
				return fakeopenai.Reply{Status: 500, Content: "no task for these examples"}
			}
			return fakeopenai.Reply{Content: fenced(task.ToolFor(answers))}
		case "verify":
			var tests []string
			for _, m := range qaRE.FindAllStringSubmatch(last, -1) {
				t, ok := taskOf(tasks, m[1])
				if !ok {
					return fakeopenai.Reply{Status: 500, Content: "an example of no task"}
				}
				tests = append(tests, t.Call(m[1])+fmt.Sprintf("\nassert ans == %q", m[2]))
			}
			return fakeopenai.Reply{Content: fenced(tests...)}
		case "package", "use":
			ms := qRE.FindAllStringSubmatch(last, -1)
			if r.Template == "use" && len(ms) > 0 {
				ms = ms[len(ms)-1:]
			}
			var calls []string
			for _, m := range ms {
				t, ok := taskOf(tasks, m[1])
				if !ok {
					return fakeopenai.Reply{Status: 500, Content: "a question of no task"}
				}
				calls = append(calls, t.Call(m[1]))
			}
			return fakeopenai.Reply{Content: fenced(calls...)}
		}
		return fakeopenai.Reply{Status: 500, Content: "unscripted template " + r.Template}
	})
}
