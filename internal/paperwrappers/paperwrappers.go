// Package paperwrappers turns the paper's own tools into latm tools: the
// last message of each GPT-4 tool-making chat published with the reference
// implementation (testdata/chats/README.md) is GPT-4's wrapper — the
// function and three use cases, each a question and the call code that
// answers it — and Convert reads it into a tool.Tool with those use cases
// as usage examples. Tests across latm use the six as fixtures of real
// model output.
package paperwrappers

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/latm/latm/tool"
)

//go:embed testdata/chats/*.json
var chats embed.FS

// Tasks are the BIG-Bench Hard tasks of the six chats, in file order.
func Tasks() []string {
	entries, err := chats.ReadDir("testdata/chats")
	if err != nil {
		panic(err) // embedded at build time
	}
	var tasks []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			tasks = append(tasks, name)
		}
	}
	sort.Strings(tasks)
	return tasks
}

// Chat returns the embedded chat of task, as published.
func Chat(task string) ([]byte, error) {
	return chats.ReadFile(path.Join("testdata/chats", task+".json"))
}

// Tool converts the embedded chat of task.
func Tool(task string) (*tool.Tool, error) {
	b, err := Chat(task)
	if err != nil {
		return nil, fmt.Errorf("paper wrapper %s: %w", task, err)
	}
	return Convert(task, b)
}

// Tools converts all six embedded chats, in Tasks order.
func Tools() ([]*tool.Tool, error) {
	var out []*tool.Tool
	for _, task := range Tasks() {
		t, err := Tool(task)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

var (
	fenceRE    = regexp.MustCompile("(?s)```[a-zA-Z]*\n(.*?)```")
	questionRE = regexp.MustCompile(`(?m)^Question: `)
	// A solved example as the maker is shown it: the answer is one line.
	solvedRE = regexp.MustCompile(`(?s)Question: (.*?)\nAnswer: ([^\n]*)`)
	answerRE = regexp.MustCompile(`(?m)^Answer: ([^\n]*)$`)
	defRE    = regexp.MustCompile(`(?m)^def ([A-Za-z_][A-Za-z0-9_]*)\(([^)]*)\)`)
)

// Convert reads a tool-making chat (a JSON array of role/content messages)
// whose last message is the maker's wrapper:
//
//	Here is a function to solve a class of problems:
//	```python
//	<the function>
//	```
//	Use cases:
//	Question: <question>
//	Answer: <answer>        (not always there)
//	Solution:
//	```python
//	<call code assigning ans>
//	```
//	… one per verification question
//
// and returns the tool named task, with one usage example per use case.
// Each example's question is the chat's own text of it (the wrapper may
// rewrap lines), and its answer is the one the wrapper states or, if it
// states none, the one the verification step gave for that question.
// The entry is the function every use case calls.
func Convert(task string, chat []byte) (*tool.Tool, error) {
	fail := func(format string, args ...any) (*tool.Tool, error) {
		return nil, fmt.Errorf("paper wrapper %s: "+format, append([]any{task}, args...)...)
	}
	if err := tool.ValidateName(task); err != nil {
		return fail("%w", err)
	}
	var msgs []message
	if err := json.Unmarshal(chat, &msgs); err != nil {
		return fail("the chat is not a JSON array of role/content messages: %w", err)
	}
	if len(msgs) == 0 || msgs[len(msgs)-1].Role != "assistant" {
		return fail("the chat does not end with the maker's (assistant's) wrapper")
	}
	wrapper := msgs[len(msgs)-1].Content
	head, uses, ok := strings.Cut(wrapper, "Use cases:")
	if !ok {
		return fail(`the last message has no "Use cases:" section`)
	}
	m := fenceRE.FindStringSubmatch(head)
	if m == nil {
		return fail("no fenced function before \"Use cases:\"")
	}
	source := m[1]
	solved := solvedInChat(msgs[:len(msgs)-1])

	t := &tool.Tool{
		Name:        task,
		Description: "GPT-4's tool for the BIG-Bench Hard task " + task + ", from the reference chat of Cai et al.",
		Source:      source,
		MakerModel:  "gpt-4",
	}
	starts := questionRE.FindAllStringIndex(uses, -1)
	if len(starts) == 0 {
		return fail(`no "Question: " use case after "Use cases:"`)
	}
	for i, s := range starts {
		end := len(uses)
		if i+1 < len(starts) {
			end = starts[i+1][0]
		}
		ex, err := useCase(uses[s[1]:end], solved)
		if err != nil {
			return fail("use case %d: %w", i+1, err)
		}
		t.Examples = append(t.Examples, ex)
	}
	entry, sig, err := entryOf(source, t.Examples)
	if err != nil {
		return fail("%w", err)
	}
	t.Entry, t.Signature = entry, sig
	return t, nil
}

// useCase reads "<question>\n[Answer: …]\nSolution:\n```…```".
func useCase(text string, solved solvedSet) (tool.UsageExample, error) {
	q, sol, ok := strings.Cut(text, "Solution:")
	if !ok {
		return tool.UsageExample{}, fmt.Errorf(`no "Solution:" after the question`)
	}
	m := fenceRE.FindStringSubmatch(sol)
	if m == nil {
		return tool.UsageExample{}, fmt.Errorf(`no fenced code after "Solution:"`)
	}
	if strings.TrimSpace(m[1]) == "" {
		return tool.UsageExample{}, fmt.Errorf(`the code after "Solution:" is empty`)
	}
	ex := tool.UsageExample{Code: m[1]}
	if a := answerRE.FindStringSubmatchIndex(q); a != nil {
		ex.Answer = strings.TrimSpace(q[a[2]:a[3]])
		q = q[:a[0]]
	}
	ex.Question = strings.TrimSpace(q)
	if ex.Question == "" {
		return tool.UsageExample{}, fmt.Errorf("the question is empty")
	}
	if s, ok := solved.find(ex.Question); ok {
		if ex.Answer != "" && ex.Answer != s.Answer {
			return tool.UsageExample{}, fmt.Errorf("the wrapper states the answer %q, the chat %q", ex.Answer, s.Answer)
		}
		ex.Question, ex.Answer = s.Question, s.Answer
	}
	if ex.Answer == "" {
		return tool.UsageExample{}, fmt.Errorf("no answer: the wrapper states none and the chat never shows the question %.60q solved", ex.Question)
	}
	return ex, nil
}

// solvedSet is the "Question: …\nAnswer: …" examples the maker was shown.
type solvedSet struct {
	exact map[string]tool.Example   // by the question with its spacing normalised
	loose map[string][]tool.Example // by its letters and digits alone
}

func solvedInChat(msgs []message) solvedSet {
	set := solvedSet{exact: map[string]tool.Example{}, loose: map[string][]tool.Example{}}
	for _, m := range msgs {
		if m.Role != "user" {
			continue
		}
		for _, s := range solvedRE.FindAllStringSubmatch(m.Content, -1) {
			ex := tool.Example{Question: strings.TrimSpace(s[1]), Answer: strings.TrimSpace(s[2])}
			set.exact[strings.Join(strings.Fields(ex.Question), " ")] = ex
			k := looseKey(ex.Question)
			if !slices.Contains(set.loose[k], ex) { // shown twice is one question
				set.loose[k] = append(set.loose[k], ex)
			}
		}
	}
	return set
}

// find looks q up: by its text up to spacing, or else, when exactly one
// question has the same letters and digits, by those (the wrapper may join
// a question's lines with ". ", or close a parenthesis the question left
// open). Dyck questions differ only in brackets, so they must match by text.
func (set solvedSet) find(q string) (tool.Example, bool) {
	if ex, ok := set.exact[strings.Join(strings.Fields(q), " ")]; ok {
		return ex, true
	}
	if exs := set.loose[looseKey(q)]; len(exs) == 1 {
		return exs[0], true
	}
	return tool.Example{}, false
}

func looseKey(q string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, q)
}

// entryOf names the function of source that every use case calls, with its
// signature.
func entryOf(source string, uses []tool.UsageExample) (string, string, error) {
	defs := defRE.FindAllStringSubmatch(source, -1)
	if len(defs) == 0 {
		return "", "", fmt.Errorf("the function block defines no top-level function")
	}
	for _, d := range defs {
		called := true
		for _, u := range uses {
			if !regexp.MustCompile(`\b` + d[1] + `\(`).MatchString(u.Code) {
				called = false
				break
			}
		}
		if called {
			return d[1], d[1] + "(" + strings.Join(strings.Fields(d[2]), " ") + ")", nil
		}
	}
	return "", "", fmt.Errorf("no function of the tool is called by every use case (defined: %s)", names(defs))
}

func names(defs [][]string) string {
	var n []string
	for _, d := range defs {
		n = append(n, d[1])
	}
	return strings.Join(n, ", ")
}
