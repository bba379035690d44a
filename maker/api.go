// Package maker turns a few solved examples of a task into a verified,
// reusable Starlark tool, as in "LLMs As Tool Makers".
//
// One growing chat with the maker model runs three steps:
//
//   - propose: the model sees the training examples and the dialect's rules
//     and writes the tool in one fenced block (the first block of the reply
//     is the tool). The tool is loaded in the sandbox; a syntax or runtime
//     error, positioned and with a hint, goes back to the model (fix).
//   - verify: the model writes one test per validation example, one fenced
//     block each. A reply with one block more than there are examples
//     carries a corrected tool first. Every test is checked by the rules in
//     check.go and run; failures go back to the model (verify_fix). Only
//     this step and the training check below decide success.
//   - package: the model writes call code for each training question; a
//     tool whose code fails a training example is rejected. The usage
//     examples kept with the tool are the validation tests without their
//     assert lines.
//   - parse (with Maker.Parser): the model writes parse(question), which
//     returns the entry's arguments; kept only if parse → call gives every
//     training and validation answer and the usage examples' own calls.
//   - schema (with Maker.Schema): the model writes the JSON Schema of the
//     entry's arguments; kept only if it compiles and every usage
//     example's arguments validate, else the derived schema is kept and
//     why the model's was refused is recorded.
//
// The entry of a tool is the function every test calls (the last defined,
// if several are); the propose prompt asks for helpers first and the main
// function last, and without a common call the last function is the entry.
//
// The package never saves: the caller stores the returned tool. It never
// talks to a model except through llm.Client, and never runs code except
// through starlarkrt.Runtime.
package maker

import (
	"context"

	"github.com/latm/latm/llm"
	"github.com/latm/latm/prompts"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// Task is what a tool is made for.
type Task struct {
	Name        string
	Description string
	Examples    []tool.Example // split into training and validation by the Maker
}

// Attempt counts the tries one making took.
type Attempt struct {
	ProposeTries int
	VerifyTries  int
	ParserNote   string // with Maker.Parser: whether the tool got a parser, and why not
	SchemaNote   string // with Maker.Schema: whose argument schema the tool got, and why not the maker's
}

// Maker turns solved examples into a verified tool. Zero counts take the
// defaults of the reference method (3 each).
type Maker struct {
	LLM     *llm.Client
	Runtime *starlarkrt.Runtime
	Prompts *prompts.Set

	Train int // training examples shown at propose (the first Train)
	Valid int // validation examples tested at verify (the next Valid)

	ProposeTries int // replies allowed to produce a loadable tool
	VerifyTries  int // replies allowed to produce passing tests

	Model string // the maker model's name, recorded as the tool's MakerModel

	// Parser adds a fourth step after package: the maker writes
	// parse(question), returning the entry's arguments, in the same chat
	// (prompt "parse"). It is kept on the tool only if it verifies
	// (parse.go); without one the tool works as before.
	Parser bool

	// Schema adds a last step: the maker writes the JSON Schema of the
	// entry's arguments (prompt "schema"), kept if it compiles and takes
	// every usage example's arguments, else replaced by the derived one
	// (schema.go). It is stored with the tool, checks JSON calls and is
	// what MCP publishes.
	Schema bool
}

// Make runs propose → verify → package. On success it returns the tool
// (not yet saved); on failure an error saying which step ran out of tries,
// with the transcript kept in the returned tool's Transcript when non-nil.
// A step's failure is a *StepError.
func (m *Maker) Make(ctx context.Context, task Task) (*tool.Tool, Attempt, error) {
	return m.make(ctx, task)
}
