package llm

import (
	"fmt"
	"strings"
	"testing"
)

func TestSplitThink(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, content, reasoning string }{
		{"plain", "plain", ""},
		{"<think>a</think>b", "b", "a"},
		{"  <think>\n a \n</think>\n\n b \n", "b", "a"},
		{"x<think>1</think>y<think>2</think>z", "xyz", "1\n\n2"},
		{"<think>ran out", "", "ran out"},
		{"hidden start</think>answer", "answer", "hidden start"},
		{"<think></think>", "", ""},
	} {
		content, reasoning := splitThink(c.in)
		if content != c.content || reasoning != c.reasoning {
			t.Errorf("splitThink(%q) = %q, %q; want %q, %q", c.in, content, reasoning, c.content, c.reasoning)
		}
	}
}

func TestCodeBlocks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"no code", nil},
		{"```python\ndef f():\n    return 1\n```", []string{"def f():\n    return 1"}},
		{"a\n```starlark\nx = 1\n```\ntext\n```json\n{}\n```\n~~~\ny = 2\n~~~\n```py\nz = 3\n```", []string{"x = 1", "y = 2", "z = 3"}},
		{"```Python3\nq = 1\n```", []string{"q = 1"}},
		{"```text\nhello\n```", nil},
		{"```python\nunclosed = True\n", []string{"unclosed = True"}},
		{"````\n```inner```\nv = 1\n````", []string{"```inner```\nv = 1"}},
		{"1. step\n   ```python\n   a = 1\n   if a:\n       b = 2\n   ```", []string{"a = 1\nif a:\n    b = 2"}},
		{"```python\nresult = f(3)```", []string{"result = f(3)"}},
		{"inline ```x``` only", nil},
		{"```\n\n```", nil},
		{"```python\r\nw = 1\r\n```\r\n", []string{"w = 1"}},
	} {
		got := CodeBlocks(c.in)
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", c.want) {
			t.Errorf("CodeBlocks(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzCodeBlocks(f *testing.F) {
	for _, s := range []string{"```python\nx=1\n```", "~~~\n~~~", "````\n```\n", "```py\nunclosed", "   ```\n a```"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, b := range CodeBlocks(s) {
			if strings.TrimSpace(b) == "" {
				t.Errorf("blank block from %q", s)
			}
			if len(b) > len(s) {
				t.Errorf("block longer than the reply: %q from %q", b, s)
			}
		}
	})
}

func FuzzSplitThink(f *testing.F) {
	for _, s := range []string{"<think>a</think>b", "a</think>b", "<think>", "</think><think>", "x<think>y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		content, reasoning := splitThink(s)
		if len(content)+len(reasoning) > len(s)+2 {
			t.Errorf("split of %q grew: %q + %q", s, content, reasoning)
		}
		if !strings.Contains(s, "<think>") && !strings.Contains(s, "</think>") && content != strings.TrimSpace(s) {
			t.Errorf("no tags in %q but content %q", s, content)
		}
		if strings.Contains(content, "<think>") {
			t.Errorf("content %q of %q still holds an opening tag", content, s)
		}
	})
}
