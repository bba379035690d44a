package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

// wordSorting are six solved examples: the first three train, the last
// three validate.
var wordSorting = []struct{ list, answer string }{
	{"syndrome therefrom", "syndrome therefrom"},
	{"vegetate artillery harm fda doris", "artillery doris fda harm vegetate"},
	{"superstitious westward coupe", "coupe superstitious westward"},
	{"oven costume bread", "bread costume oven"},
	{"zeta alpha mu", "alpha mu zeta"},
	{"pear apple fig", "apple fig pear"},
}

func wsQuestion(list string) string {
	return "Sort the following words alphabetically: List: " + list
}

const (
	goodTool = "def sort_words(words):\n    \"\"\"Sorts a list of words alphabetically.\"\"\"\n    return sorted(words)\n"
	// reversedTool loads but answers wrong.
	reversedTool = "def sort_words(words):\n    \"\"\"Sorts a list of words.\"\"\"\n    return sorted(words, reverse=True)\n"
	// shortTool passes the validation examples, whose words are short, but
	// drops the long word of training example 3.
	shortTool = "def sort_words(words):\n    \"\"\"Sorts the short words.\"\"\"\n    return sorted([w for w in words if len(w) < 10])\n"
	// yieldTool is a Python-ism the dialect rejects (a generator).
	yieldTool = "def each(words):\n    yield words\n\ndef sort_words(words):\n    return sorted(words)\n"
)

func wsFence(codes ...string) string {
	var b strings.Builder
	b.WriteString("Here it is.\n")
	for _, c := range codes {
		fmt.Fprintf(&b, "```starlark\n%s\n```\n", strings.TrimSpace(c))
	}
	return b.String()
}

// wsCall is call code in the tests' shape; with assert, a test.
func wsCall(i int, withAssert bool) string {
	e := wordSorting[i]
	code := fmt.Sprintf("words = %q.split()\nret = sort_words(words)\nans = \" \".join(ret)\n", e.list)
	if withAssert {
		code += fmt.Sprintf("assert ans == %q\n", e.answer)
	}
	return code
}

func wsTests(tool string) string {
	codes := []string{wsCall(3, true), wsCall(4, true), wsCall(5, true)}
	if tool != "" {
		codes = append([]string{tool}, codes...)
	}
	return wsFence(codes...)
}

func wsPackage() string { return wsFence(wsCall(0, false), wsCall(1, false), wsCall(2, false)) }

// wsParser is the maker's reply to the parse prompt: a parser that verifies.
func wsParser() string {
	return wsFence("def parse(question):\n    return [question.split(\"List: \")[1].split()]\n\ndef finish(question, ret):\n    return \" \".join(ret)\n")
}

// wsSchema is the maker's argument schema of sort_words (make.schema).
func wsSchema() string {
	return "```json\n" + `{"type": "object", "properties": {"words": {"type": "array", "items": {"type": "string"}, "description": "the words after List:, in the question's order"}}, "required": ["words"]}` + "\n```"
}

// makerScript answers the maker's chat by the template of the prompt it
// last received (propose, fix, verify, verify_fix, package): each takes
// its replies in order, the last one repeating. The schema prompt, asked
// last of every making (make.schema), gets wsSchema unless scripted.
type makerScript struct {
	mu      sync.Mutex
	replies map[string][]string
}

func (m *makerScript) reply(t *testing.T) func(fakeopenai.Request) fakeopenai.Reply {
	return func(r fakeopenai.Request) fakeopenai.Reply {
		m.mu.Lock()
		defer m.mu.Unlock()
		q := m.replies[r.Template]
		if len(q) == 0 && r.Template == "schema" {
			q = []string{wsSchema()}
		}
		if len(q) == 0 {
			t.Errorf("no scripted reply for the %q prompt: %q", r.Template, r.Last())
			return fakeopenai.Reply{Status: 500}
		}
		if len(q) > 1 {
			m.replies[r.Template] = q[1:]
		}
		return fakeopenai.Reply{Content: q[0]}
	}
}

// makeEnv starts a fake maker endpoint scripted with replies and writes the
// six examples to a JSONL file; it returns the database, the file and the
// server.
func makeEnv(t *testing.T, replies map[string][]string) (db, examples string, srv *fakeopenai.Server) {
	t.Helper()
	db = toolsEnv(t)
	srv = fakeopenai.New(t)
	if replies == nil {
		replies = map[string][]string{}
	}
	if _, ok := replies["parse"]; !ok {
		// After verification the maker writes the parser (make.parser).
		replies["parse"] = []string{wsParser()}
	}
	srv.Handle((&makerScript{replies: replies}).reply(t))
	t.Setenv("LATM_BASE_URL", srv.URL)
	t.Setenv("LATM_API_KEY_ENV", "LATM_TEST_KEY")
	t.Setenv("LATM_TEST_KEY", "sk-test")
	t.Setenv("LATM_MAKER_MODEL", "maker-test")
	t.Setenv("LATM_MAKER_RETRIES", "0")
	t.Setenv("LATM_CACHE", "false")
	t.Setenv("TMPDIR", t.TempDir())
	var b strings.Builder
	for _, e := range wordSorting {
		line, _ := json.Marshal(tool.Example{Question: wsQuestion(e.list), Answer: e.answer})
		b.Write(line)
		b.WriteByte('\n')
	}
	examples = filepath.Join(t.TempDir(), "ws.jsonl")
	if err := os.WriteFile(examples, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return db, examples, srv
}

func runMakeCmd(t *testing.T, db string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), append([]string{"--db", db, "make"}, args...), strings.NewReader(""), &out, &errb, os.Getenv)
	return code, out.String(), errb.String()
}

func savedTool(t *testing.T, db, name string) (*tool.Tool, error) {
	t.Helper()
	s, err := library.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return s.Tool(context.Background(), name, 0)
}

func TestMakeFirstTime(t *testing.T) {
	db, ex, srv := makeEnv(t, map[string][]string{
		"propose": {wsFence(goodTool)},
		"verify":  {wsTests("")},
		"package": {wsPackage()},
	})
	code, out, errs := runMakeCmd(t, db, "word_sorting", "--examples", ex, "--description", "Sort words alphabetically.")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if want := "made word_sorting@1 (propose tries 1, verify tries 1)"; !strings.Contains(out, want) {
		t.Fatalf("output %q lacks %q", out, want)
	}
	tool, err := savedTool(t, db, "word_sorting")
	if err != nil {
		t.Fatal(err)
	}
	if tool.Version != 1 || tool.Entry != "sort_words" || tool.Signature != "sort_words(words)" || tool.MakerModel != "maker-test" {
		t.Errorf("tool = %s entry %q signature %q model %q", tool.Ref(), tool.Entry, tool.Signature, tool.MakerModel)
	}
	if strings.TrimSpace(tool.Source) != strings.TrimSpace(goodTool) || tool.Description != "Sort words alphabetically." {
		t.Errorf("source %q description %q", tool.Source, tool.Description)
	}
	if len(tool.Examples) != 3 {
		t.Fatalf("%d usage examples, want 3", len(tool.Examples))
	}
	for i, u := range tool.Examples {
		e := wordSorting[3+i]
		if u.Question != wsQuestion(e.list) || u.Answer != e.answer || strings.Contains(u.Code, "assert") || !strings.Contains(u.Code, "sort_words(") {
			t.Errorf("usage example %d = %+v", i, u)
		}
	}
	if len(tool.Validation) != 3 || !tool.Validation[0].OK {
		t.Errorf("validation = %+v", tool.Validation)
	}
	reqs := srv.Requests()
	if len(reqs) != 5 || len(tool.Transcript) != 10 {
		t.Fatalf("%d requests, transcript of %d messages; want 5 and 10 (propose, verify, package, parse, schema)", len(reqs), len(tool.Transcript))
	}
	if tool.ArgSchemaFrom != "maker" || !strings.Contains(tool.ArgSchema, "the words after List:") || reqs[4].Template != "schema" {
		t.Errorf("schema %q from %q (%s), last request %q; want the maker's schema kept", tool.ArgSchema, tool.ArgSchemaFrom, tool.ArgSchemaNote, reqs[4].Template)
	}
	if !strings.Contains(tool.Parser, "def parse(question)") || reqs[3].Template != "parse" {
		t.Errorf("parser %q, last request %q; want the verified parser kept", tool.Parser, reqs[3].Template)
	}
	// One growing chat: the package request carries everything before it.
	if len(reqs[2].Messages) != 5 || reqs[0].Model != "maker-test" {
		t.Errorf("package request has %d messages, model %q", len(reqs[2].Messages), reqs[0].Model)
	}
	if p := reqs[0].Last(); !strings.Contains(p, "Answer: artillery doris fda harm vegetate") || !strings.Contains(p, "pow(x, y)") || strings.Contains(p, "bread costume oven") {
		t.Errorf("propose prompt should show the training examples and the dialect, not validation answers:\n%s", p)
	}
}

func TestMakeFixesProposal(t *testing.T) {
	db, ex, srv := makeEnv(t, map[string][]string{
		"propose": {wsFence(yieldTool)},
		"fix":     {wsFence(goodTool)},
		"verify":  {wsTests("")},
		"package": {wsPackage()},
	})
	code, out, errs := runMakeCmd(t, db, "word_sorting", "--examples", ex)
	if code != ExitOK || !strings.Contains(out, "propose tries 2, verify tries 1") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	fix := srv.Requests()[1].Last()
	for _, want := range []string{"line 2", "yield", "hint:"} {
		if !strings.Contains(fix, want) {
			t.Errorf("the fix prompt lacks %q:\n%s", want, fix)
		}
	}
	// The dialect block goes out once per chat, with the propose prompt.
	for i, r := range srv.Requests() {
		n := 0
		for _, m := range r.Messages {
			n += strings.Count(m.Content, "It does NOT have")
		}
		if n != 1 {
			t.Errorf("request %d (%s) carries the dialect block %d times, want once", i+1, r.Template, n)
		}
	}
}

func TestMakeFixesVerification(t *testing.T) {
	db, ex, srv := makeEnv(t, map[string][]string{
		"propose":    {wsFence(reversedTool)},
		"verify":     {wsTests("")},
		"verify_fix": {wsTests(goodTool)},
		"package":    {wsPackage()},
	})
	code, out, errs := runMakeCmd(t, db, "word_sorting", "--examples", ex)
	if code != ExitOK || !strings.Contains(out, "propose tries 1, verify tries 2") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	fb := srv.Requests()[2].Last()
	if !strings.Contains(fb, `expected ans == 'bread costume oven', got 'oven costume bread'`) {
		t.Errorf("verify_fix prompt lacks expected vs got:\n%s", fb)
	}
	tool, err := savedTool(t, db, "word_sorting")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tool.Source, "reverse") {
		t.Errorf("saved the wrong tool:\n%s", tool.Source)
	}
}

func TestMakeRejectsCheatingTests(t *testing.T) {
	literal := strings.Replace(wsCall(3, true), `ans = " ".join(ret)`, `ans = "bread costume oven"`, 1)
	noAssert := wsCall(3, false)
	noCall := "ans = \" \".join(sorted(\"oven costume bread\".split()))\nassert ans == \"bread costume oven\"\n"
	for _, c := range []struct{ name, test, problem string }{
		{"literal answer", literal, "by hand"},
		{"no assert", noAssert, "no `assert"},
		{"no tool call", noCall, "calls none of the tool's functions"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, ex, srv := makeEnv(t, map[string][]string{
				"propose":    {wsFence(goodTool)},
				"verify":     {wsFence(c.test, wsCall(4, true), wsCall(5, true))},
				"verify_fix": {wsTests("")},
				"package":    {wsPackage()},
			})
			code, out, errs := runMakeCmd(t, db, "word_sorting", "--examples", ex)
			if code != ExitOK || !strings.Contains(out, "verify tries 2") {
				t.Fatalf("exit %d: %s %s", code, out, errs)
			}
			if fb := srv.Requests()[2].Last(); !strings.Contains(fb, "Test 1 ") || !strings.Contains(fb, c.problem) {
				t.Errorf("verify_fix prompt lacks %q:\n%s", c.problem, fb)
			}
		})
	}
	t.Run("out of tries", func(t *testing.T) {
		db, ex, _ := makeEnv(t, map[string][]string{
			"propose":    {wsFence(goodTool)},
			"verify":     {wsFence(literal, wsCall(4, true), wsCall(5, true))},
			"verify_fix": {wsFence(literal, wsCall(4, true), wsCall(5, true))},
		})
		code, _, errs := runMakeCmd(t, db, "word_sorting", "--examples", ex)
		if code != ExitFailed || !strings.Contains(errs, "verify step failed after 3 tries") || !strings.Contains(errs, "by hand") {
			t.Fatalf("exit %d: %s", code, errs)
		}
	})
}

func TestMakeOutOfTries(t *testing.T) {
	db, ex, srv := makeEnv(t, map[string][]string{
		"propose": {wsFence(yieldTool)},
		"fix":     {wsFence(yieldTool)},
	})
	transcript := filepath.Join(t.TempDir(), "chat.json")
	code, out, errs := runMakeCmd(t, db, "word_sorting", "--examples", ex, "--transcript", transcript)
	if code != ExitFailed || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{"propose step failed after 3 tries", "nothing saved", "transcript in " + transcript} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr %q lacks %q", errs, want)
		}
	}
	b, err := os.ReadFile(transcript)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []tool.Message
	if err := json.Unmarshal(b, &msgs); err != nil || len(msgs) != 6 || msgs[5].Role != "assistant" {
		t.Fatalf("transcript: %v, %d messages", err, len(msgs))
	}
	if len(srv.Requests()) != 3 {
		t.Errorf("%d requests, want 3", len(srv.Requests()))
	}
	if _, err := savedTool(t, db, "word_sorting"); err == nil {
		t.Error("a tool was saved")
	}

	// Without --transcript the chat goes to a new file in the temp dir.
	code, _, errs = runMakeCmd(t, db, "word_sorting", "--examples", ex)
	m := regexp.MustCompile(`transcript in (\S+)`).FindStringSubmatch(errs)
	if code != ExitFailed || m == nil {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(m[1]); err != nil {
		t.Errorf("default transcript: %v", err)
	}
}

func TestMakeRejectsToolFailingTraining(t *testing.T) {
	db, ex, _ := makeEnv(t, map[string][]string{
		"propose": {wsFence(shortTool)},
		"verify":  {wsTests("")},
		"package": {wsPackage()},
	})
	code, _, errs := runMakeCmd(t, db, "word_sorting", "--examples", ex)
	want := `the tool fits the validation examples but fails training example 3: want "coupe superstitious westward", got "coupe westward"`
	if code != ExitFailed || !strings.Contains(errs, want) || !strings.Contains(errs, "package step") {
		t.Fatalf("exit %d: stderr %q lacks %q", code, errs, want)
	}
	if _, err := savedTool(t, db, "word_sorting"); err == nil {
		t.Error("a tool was saved")
	}
}

func TestMakeBadExamples(t *testing.T) {
	db := toolsEnv(t)
	file := filepath.Join(t.TempDir(), "ex.jsonl")
	lines := []string{
		`{"question": "Sort: b a", "answer": "a b"}`,
		`{"question": "Sort: d c", "answer": "c d"`,
		``,
		`{"question": "Sort: f e"}`,
		`{"question": "Sort: h g", "answer": 42}`,
		`{"question": "  ", "answer": "x"}`,
		`{"question": "Sort: j i", "answer": "i j"}`,
	}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runMakeCmd(t, db, "word_sorting", "--examples", file)
	if code != ExitUsage {
		t.Fatalf("exit %d, want %d: %s", code, ExitUsage, errs)
	}
	for _, want := range []string{
		file + ":2: not a JSON object",
		file + `:4: no "answer" field (fix:`,
		file + `:5: "answer" is not a string (fix:`,
		file + `:6: "question" is empty`,
		"2 usable examples, need 6",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, file+":1:") || strings.Contains(errs, file+":7:") {
		t.Errorf("good lines reported:\n%s", errs)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"word_sorting"}, "exactly one of --examples"},
		{[]string{"word_sorting", "--examples", file, "--bbh", "word_sorting"}, "exactly one of --examples"},
		{[]string{"Bad Name!", "--bbh", "word_sorting"}, "Bad Name!"},
		{[]string{"x", "--bbh", "no_such_task"}, "no_such_task"},
		{[]string{"x", "--examples", filepath.Join(t.TempDir(), "missing.jsonl")}, "missing.jsonl"},
	} {
		if code, _, errs := runMakeCmd(t, db, c.args...); code != ExitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("make %v: exit %d, stderr %q lacks %q", c.args, code, errs, c.want)
		}
	}
}

func FuzzParseExamples(f *testing.F) {
	f.Add("{\"question\": \"q\", \"answer\": \"a\"}\n{bad\n")
	f.Add("{\"question\": 1}\n\n")
	f.Fuzz(func(t *testing.T, in string) {
		var warn bytes.Buffer
		ex, err := parseExamples("f.jsonl", strings.NewReader(in), &warn)
		if err != nil {
			return
		}
		for _, e := range ex {
			if strings.TrimSpace(e.Question) == "" || strings.TrimSpace(e.Answer) == "" {
				t.Fatalf("empty example accepted: %+v", e)
			}
		}
	})
}

// TestMakeBBH makes a tool from the bundled word_sorting task; the scripted
// model writes honest tests for whatever questions it is shown.
func TestMakeBBH(t *testing.T) {
	db, _, srv := makeEnv(t, nil)
	pair := regexp.MustCompile(`Question: (.*)\nAnswer: (.*)`)
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		last := r.Last()
		switch r.Template {
		case "propose":
			return fakeopenai.Reply{Content: wsFence(goodTool)}
		case "verify":
			var tests []string
			for _, m := range pair.FindAllStringSubmatch(last, -1) {
				tests = append(tests, fmt.Sprintf("ret = sort_words(%q.split(\"List:\")[1].split())\nans = \" \".join(ret)\nassert ans == %q", m[1], m[2]))
			}
			return fakeopenai.Reply{Content: wsFence(tests...)}
		case "package":
			var calls []string
			for _, m := range regexp.MustCompile(`Question: (.*)`).FindAllStringSubmatch(last, -1) {
				calls = append(calls, fmt.Sprintf("ret = sort_words(%q.split(\"List:\")[1].split())\nans = \" \".join(ret)", m[1]))
			}
			return fakeopenai.Reply{Content: wsFence(calls...)}
		}
		return fakeopenai.Reply{Status: 500}
	})
	code, out, errs := runMakeCmd(t, db, "word_sorting", "--bbh", "word_sorting", "--train", "2", "--valid", "4")
	if code != ExitOK || !strings.Contains(out, "made word_sorting@1") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	tool, err := savedTool(t, db, "word_sorting")
	if err != nil {
		t.Fatal(err)
	}
	split, err := bbh.LoadSplit("word_sorting")
	if err != nil {
		t.Fatal(err)
	}
	// Training from the task's training split, validation from its own.
	if len(tool.Examples) != 4 || tool.Examples[0].Question != split.Valid[0].Question || tool.Examples[3].Answer != split.Valid[3].Answer {
		t.Errorf("usage examples %+v", tool.Examples)
	}
	if p := srv.Requests()[0].Last(); !strings.Contains(p, split.Train[1].Question) || strings.Contains(p, split.Train[2].Question) {
		t.Errorf("propose prompt should show exactly the first 2 training examples:\n%s", p)
	}
}

func TestMakeJSON(t *testing.T) {
	db, ex, _ := makeEnv(t, map[string][]string{
		"propose": {wsFence(goodTool)},
		"verify":  {wsTests("")},
		"package": {wsPackage()},
	})
	code, out, errs := runMakeCmd(t, db, "word_sorting", "--examples", ex, "--json")
	var got madeTool
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != ExitOK {
		t.Fatalf("exit %d %v: %s %s", code, err, out, errs)
	}
	if got.Ref != "word_sorting@1" || got.Version != 1 || got.Examples != 3 || got.ProposeTries != 1 || got.VerifyTries != 1 || got.Entry == "" {
		t.Errorf("make --json = %+v", got)
	}
}

// A parser that does not verify (here one that ignores the question, then
// a reply with no code) is dropped: making still succeeds, the tool is
// saved without a parser, and it answers through the user model.
func TestMakeKeepsAToolWhoseParserFails(t *testing.T) {
	db, ex, srv := makeEnv(t, map[string][]string{
		"propose": {wsFence(goodTool)},
		"verify":  {wsTests("")},
		"package": {wsPackage()},
		"parse":   {wsFence("def parse(question):\n    return [[\"oven\"]]\n"), "I cannot write one."},
		"use":     {fence(`ans = " ".join(sort_words("kiwi fig".split()))`)},
	})
	code, out, errs := runMakeCmd(t, db, "word_sorting", "--examples", ex)
	if code != ExitOK || !strings.Contains(out, "made word_sorting@1") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	tl, err := savedTool(t, db, "word_sorting")
	if err != nil {
		t.Fatal(err)
	}
	if tl.Parser != "" {
		t.Fatalf("a parser that does not verify was kept:\n%s", tl.Parser)
	}
	var parseReqs int
	for _, r := range srv.Requests() {
		if r.Template == "parse" {
			parseReqs++
		}
	}
	if parseReqs != 2 {
		t.Errorf("%d parse requests, want 2 (the parser and one fix)", parseReqs)
	}
	t.Setenv("LATM_SOLVE_TEMPLATE", "false")
	code, out, errs = runLatm(t, db, "--no-cache", "solve", "--tool", "word_sorting", wsQuestion("kiwi fig"))
	if code != ExitOK || out != "fig kiwi\n" {
		t.Fatalf("solve without a parser: exit %d, %q %s", code, out, errs)
	}
}
