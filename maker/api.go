package maker

// CONTRACT FILE — owned by the tool-making work. The dispatcher and eval
// build against it.

import (
	"context"

	"github.com/latm/latm/library"
)

// Task is what a tool is made for.
type Task struct {
	Name        string
	Description string
	Examples    []library.Example // split into training and validation by the Maker
}

// Attempt counts the tries one making took.
type Attempt struct {
	ProposeTries int
	VerifyTries  int
}

// Maker turns solved examples into a verified tool (configured by the
// tool-making work: model client, sandbox, prompts, split and tries).
type Maker struct{}

// Make runs propose → verify → package. On success it returns the tool
// (not yet saved); on failure an error saying which step ran out of tries,
// with the transcript kept in the returned tool's Transcript when non-nil.
func (m *Maker) Make(ctx context.Context, task Task) (*library.Tool, Attempt, error) {
	panic("todo")
}
