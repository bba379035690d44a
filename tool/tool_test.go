package tool

// sampleTool is a whole tool with every field set.
func sampleTool(name string) *Tool {
	return &Tool{
		Name:        name,
		Description: "Sort a list of words alphabetically.",
		Source:      "def sort_words(words):\n    return \" \".join(sorted(words))\n",
		Entry:       "sort_words",
		Signature:   "sort_words(words)",
		Examples: []UsageExample{
			{Question: "Sort the following words alphabetically: List: oven costume", Code: `ans = sort_words(["oven", "costume"])`, Answer: "costume oven"},
			{Question: "Sort the following words alphabetically: List: b a", Code: `ans = sort_words(["b", "a"])`, Answer: "a b"},
		},
		Validation: []Validation{{Question: "q", Want: "a b", Got: "a b", OK: true}, {Question: "r", Want: "x", Got: "y", Error: "wrong"}},
		MakerModel: "gpt-4",
		Transcript: []Message{{Role: "user", Content: "make a tool"}, {Role: "assistant", Content: "def sort_words(words): …"}},
	}
}
