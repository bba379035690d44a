// Package gatewaysim is a scripted world for the gateway's tests and its
// benchmark: templated tasks and one-off questions as a traffic
// generator, an upstream strong model that answers them in each task's
// own reply shape, and a maker and user model that write each task's
// tool. Everything is scripted (internal/fakeopenai): no figure obtained
// with it says anything about a real model.
package gatewaysim

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/latm/latm/internal/fakeopenai"
)

// Task is one templated task of the traffic.
type Task struct {
	Name string
	// Ask draws the i-th question of the task.
	Ask func(r *rand.Rand, i int) string
	// Solve is the true answer of a question of the task; ok is false for
	// a question of another task.
	Solve func(q string) (string, bool)
	// Reply is how upstream writes the answer (its reply shape).
	Reply func(q, ans string) string
	// Tool is the tool the scripted maker writes; Call its call code for a
	// question. A Wrong tool agrees with Solve only on the questions Ask
	// draws first (the maker's classic failure: a tool that fits its
	// examples only).
	Tool  string
	Call  func(q string) string
	Wrong bool
	// Fixed is the tool the maker writes instead once its examples show
	// where Tool goes wrong (an answer of three digits or more); "" if Tool
	// is never wrong.
	Fixed string
}

// ToolFor is the tool the scripted maker writes from examples with these
// answers.
func (t Task) ToolFor(answers []string) string {
	if t.Fixed != "" {
		for _, a := range answers {
			if len(a) >= 3 {
				return t.Fixed
			}
		}
	}
	return t.Tool
}

var (
	plusRE   = regexp.MustCompile(`^What is the sum of (\d+) and (\d+) when they are added together\?$`)
	sortRE   = regexp.MustCompile(`^Sort the following words alphabetically: List: ([a-z ]+)$`)
	vowelRE  = regexp.MustCompile(`^How many vowels are in the word "([a-z]+)"\?$`)
	timesRE  = regexp.MustCompile(`^Multiply (\d+) by (\d+) and report the product\.$`)
	wordList = strings.Fields("apple banana cherry date elder fig grape hazel iris juniper kiwi lemon mango nectar olive pear quince rose sage thyme")
)

// Tasks are the templated tasks: three the maker gets right, each with its
// own reply shape, and one whose tool is wrong beyond its first examples.
func Tasks() []Task {
	return []Task{
		{
			Name: "plus",
			Ask: func(r *rand.Rand, _ int) string {
				return fmt.Sprintf("What is the sum of %d and %d when they are added together?", r.IntN(900)+10, r.IntN(900)+10)
			},
			Solve: func(q string) (string, bool) {
				m := plusRE.FindStringSubmatch(q)
				if m == nil {
					return "", false
				}
				a, _ := strconv.Atoi(m[1])
				b, _ := strconv.Atoi(m[2])
				return strconv.Itoa(a + b), true
			},
			Reply: func(q, ans string) string {
				m := plusRE.FindStringSubmatch(q)
				return fmt.Sprintf("Let's think step by step. We add %s and %s, carrying where needed.\nSo the answer is %s.", m[1], m[2], ans)
			},
			Tool: "def add(a, b):\n    \"\"\"Returns the sum of the integers a and b.\"\"\"\n    return a + b\n",
			Call: func(q string) string {
				m := plusRE.FindStringSubmatch(q)
				return fmt.Sprintf("ret = add(%s, %s)\nans = str(ret)", m[1], m[2])
			},
		},
		{
			Name: "sort",
			Ask: func(r *rand.Rand, _ int) string {
				n := 3 + r.IntN(3)
				ws := make([]string, n)
				for i := range ws {
					ws[i] = wordList[r.IntN(len(wordList))]
				}
				return "Sort the following words alphabetically: List: " + strings.Join(ws, " ")
			},
			Solve: func(q string) (string, bool) {
				m := sortRE.FindStringSubmatch(q)
				if m == nil {
					return "", false
				}
				ws := strings.Fields(m[1])
				slices.Sort(ws)
				return strings.Join(ws, " "), true
			},
			Reply: func(_, ans string) string { return ans },
			Tool:  "def sort_words(words):\n    \"\"\"Returns the words sorted alphabetically.\"\"\"\n    return sorted(words)\n",
			Call: func(q string) string {
				m := sortRE.FindStringSubmatch(q)
				return fmt.Sprintf("words = %q.split()\nret = sort_words(words)\nans = \" \".join(ret)", m[1])
			},
		},
		{
			Name: "vowels",
			Ask: func(r *rand.Rand, _ int) string {
				return fmt.Sprintf("How many vowels are in the word %q?", wordList[r.IntN(len(wordList))]+wordList[r.IntN(len(wordList))])
			},
			Solve: func(q string) (string, bool) {
				m := vowelRE.FindStringSubmatch(q)
				if m == nil {
					return "", false
				}
				n := 0
				for _, c := range m[1] {
					if strings.ContainsRune("aeiou", c) {
						n++
					}
				}
				return strconv.Itoa(n), true
			},
			Reply: func(_, ans string) string { return "Answer: " + ans },
			Tool:  "def count_vowels(word):\n    \"\"\"Returns how many of the letters of word are vowels.\"\"\"\n    return len([c for c in word.elems() if c in \"aeiou\"])\n",
			Call: func(q string) string {
				m := vowelRE.FindStringSubmatch(q)
				return fmt.Sprintf("ret = count_vowels(%q)\nans = str(ret)", m[1])
			},
		},
		{
			Name: "times",
			// The first questions have small products; the tool keeps only
			// the last two digits, which is right for them alone.
			Ask: func(r *rand.Rand, i int) string {
				if i < 6 {
					return fmt.Sprintf("Multiply %d by %d and report the product.", r.IntN(8)+2, r.IntN(4)+2)
				}
				return fmt.Sprintf("Multiply %d by %d and report the product.", r.IntN(80)+20, r.IntN(80)+20)
			},
			Solve: func(q string) (string, bool) {
				m := timesRE.FindStringSubmatch(q)
				if m == nil {
					return "", false
				}
				a, _ := strconv.Atoi(m[1])
				b, _ := strconv.Atoi(m[2])
				return strconv.Itoa(a * b), true
			},
			Reply: func(_, ans string) string { return "The final answer is " + ans + "." },
			Tool:  "def multiply(a, b):\n    \"\"\"Returns the product of a and b.\"\"\"\n    return (a * b) % 100\n",
			Call: func(q string) string {
				m := timesRE.FindStringSubmatch(q)
				return fmt.Sprintf("ret = multiply(%s, %s)\nans = str(ret)", m[1], m[2])
			},
			Wrong: true,
			Fixed: "def multiply(a, b):\n    \"\"\"Returns the product of a and b.\"\"\"\n    return a * b\n",
		},
	}
}

// OneOff is a question asked once, with upstream's reply.
type OneOff struct{ Question, Reply string }

// OneOffs are questions of no task: free prose (never pooled) and short
// facts (pooled, but each alone in its group).
func OneOffs() []OneOff {
	return []OneOff{
		{"Write a short poem about autumn leaves falling in a quiet park.", "Golden leaves drift down,\nwhispering to the empty benches,\nautumn settles in."},
		{"Summarize the plot of Hamlet in two sentences.", "Prince Hamlet seeks revenge on his uncle Claudius for murdering his father.\nHis hesitation leads to tragedy for nearly everyone at court."},
		{"Who painted the Mona Lisa?", "Leonardo da Vinci"},
		{"Explain briefly why the sky looks blue during the day.", "Sunlight scatters off air molecules.\nShorter blue wavelengths scatter more, so the sky looks blue."},
		{"Name the largest planet of the solar system.", "Jupiter"},
		{"Give me a recipe idea for a rainy evening dinner.", "Try a lentil soup with cumin and lemon.\nServe it with warm flatbread."},
		{"Translate good morning into French.", "Bonjour"},
		{"Describe the smell of fresh bread in one paragraph.", "Warm and yeasty, with a toasted crust note,\nthe smell fills the kitchen and invites you in."},
	}
}

// Item is one request of the traffic and its true answer ("" for a
// one-off whose reply is prose).
type Item struct {
	Task     string // "" for a one-off
	Question string
	Answer   string
}

// Traffic draws a stream mixing the tasks with one-off questions: each
// request is a one-off with probability oneOff, else a task's question.
type Traffic struct {
	r      *rand.Rand
	tasks  []Task
	oneOff float64
	asked  map[string]int
	offs   []OneOff
	next   int
}

// NewTraffic returns a generator seeded with seed.
func NewTraffic(seed uint64, tasks []Task, oneOff float64) *Traffic {
	return &Traffic{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), tasks: tasks, oneOff: oneOff, asked: map[string]int{}, offs: OneOffs()}
}

// Next draws the next request.
func (t *Traffic) Next() Item {
	if t.r.Float64() < t.oneOff {
		o := t.offs[t.next%len(t.offs)]
		t.next++
		ans, _ := shortOf(o.Reply)
		return Item{Question: o.Question, Answer: ans}
	}
	task := t.tasks[t.r.IntN(len(t.tasks))]
	return t.Of(task)
}

// Of draws the next question of task.
func (t *Traffic) Of(task Task) Item {
	q := task.Ask(t.r, t.asked[task.Name])
	t.asked[task.Name]++
	ans, _ := task.Solve(q)
	return Item{Task: task.Name, Question: q, Answer: ans}
}

func shortOf(reply string) (string, bool) {
	if strings.Contains(reply, "\n") {
		return "", false
	}
	return reply, true
}

// Upstream scripts srv as the strong model: a task's question gets its
// true answer in the task's shape, a one-off its reply; anything else a
// 400 in OpenAI's error shape.
func Upstream(srv *fakeopenai.Server, tasks []Task) {
	offs := map[string]string{}
	for _, o := range OneOffs() {
		offs[o.Question] = o.Reply
	}
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		q := r.Last()
		for _, t := range tasks {
			if ans, ok := t.Solve(q); ok {
				return fakeopenai.Reply{Content: t.Reply(q, ans)}
			}
		}
		if rep, ok := offs[q]; ok {
			return fakeopenai.Reply{Content: rep}
		}
		return fakeopenai.Reply{Status: 400, Content: "no scripted answer for this question"}
	})
}
