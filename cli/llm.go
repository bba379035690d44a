package cli

// PLACEHOLDER owned by the LLM-layer work: replace the body, keep the signature.

import (
	"errors"

	"github.com/latm/latm/llm"
)

// LLM returns the model client for this invocation, wired to the ledger and
// the response cache in the store, and to --record/--replay.
func (a *App) LLM() (*llm.Client, error) { return nil, errors.New("llm: not wired yet") }
