// Package gateway is latm's OpenAI-compatible endpoint: it answers
// POST /v1/chat/completions and GET /v1/models as upstream would, forwards
// what no live tool fits, learns tools from the labelled traffic, keeps a
// new tool in shadow until it agrees with upstream, and spot-checks live
// tools. docs/gateway.md describes the flow.
package gateway

import (
	"context"
	"errors"

	"github.com/latm/latm/tool"
)

// Store is what the gateway keeps beyond the library's tools and pending
// pool: phase transitions and request records. *library.Store implements it.
type Store interface {
	// RecordPhaseChange stores c; the latest change of a version is its
	// phase. It refuses (with an error) a change whose From is not the
	// version's current phase ("" for the first move into shadow): another
	// writer moved the version first. The gateway then rereads the phase.
	RecordPhaseChange(ctx context.Context, c tool.PhaseChange) error
	// ToolPhase returns the current phase of name@version, "" if it has none
	// (a tool not learned from traffic).
	ToolPhase(ctx context.Context, name string, version int) (tool.Phase, error)
	// PhaseChanges lists the changes of every version of name, oldest first.
	PhaseChanges(ctx context.Context, name string) ([]tool.PhaseChange, error)
	// RecordGatewayRequest stores r and sets its ID.
	RecordGatewayRequest(ctx context.Context, r *tool.GatewayRequest) error
	// GatewaySavings sums the requests of tenant ("" for all).
	GatewaySavings(ctx context.Context, tenant string) (tool.GatewaySavings, error)
}

// ErrPhaseConflict is MemStore's refusal of a change from a stale phase
// (the library has its own); the gateway does not depend on which store
// refused: it rereads the phase after any refusal.
var ErrPhaseConflict = errors.New("phase changed meanwhile")
