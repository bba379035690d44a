package tool

import "time"

// Phase is where a tool learned from gateway traffic stands: in shadow its
// answers are computed beside upstream's and only compared; live, it
// answers requests itself and is spot-checked against upstream.
type Phase string

const (
	PhaseShadow Phase = "shadow"
	PhaseLive   Phase = "live"
)

// PhaseChange is one recorded transition of a tool version's phase, with
// the agreement that decided it.
type PhaseChange struct {
	Tool     string    `json:"tool"`
	Version  int       `json:"version"`
	Tenant   string    `json:"tenant,omitempty"`
	From     Phase     `json:"from,omitempty"` // "" when the version was first put in shadow
	To       Phase     `json:"to"`
	Agreed   int       `json:"agreed"`   // answers that agreed with upstream's in the window that decided
	Compared int       `json:"compared"` // answers compared in that window
	Reason   string    `json:"reason"`   // e.g. "19 of 20 agreed (95% >= 95%)"
	At       time.Time `json:"at"`
}

// How a gateway request was served.
const (
	ServedPassthrough = "passthrough" // not a candidate: forwarded untouched
	ServedUpstream    = "upstream"    // a candidate no live tool fits: forwarded and pooled
	ServedShadow      = "shadow"      // upstream answered; a shadow tool answered beside it
	ServedTool        = "tool"        // a live tool answered; no upstream call
	ServedSpot        = "spot"        // a live tool answered and upstream was asked to check it
	ServedFallback    = "fallback"    // latm failed on the request; upstream answered it
)

// GatewayRequest is what the gateway records of one chat completion request.
// It never holds the client's credentials or message text.
type GatewayRequest struct {
	ID       int64         `json:"id"`
	Tenant   string        `json:"tenant,omitempty"`
	Model    string        `json:"model"`          // the model the client asked for
	Served   string        `json:"served"`         // one of the Served* constants
	Group    int64         `json:"group,omitzero"` // the pending group, while no tool fits
	Tool     string        `json:"tool,omitempty"` // name@version of the tool that answered or shadowed
	Agreed   *bool         `json:"agreed,omitempty"`
	Stream   bool          `json:"stream"`
	Detail   string        `json:"detail,omitempty"` // why a fallback or refusal happened
	At       time.Time     `json:"at"`
	Duration time.Duration `json:"duration"`
	// Overhead is the time latm added on top of the upstream call (for
	// passthrough and upstream-served requests).
	Overhead time.Duration `json:"overhead"`

	// Upstream tokens of this request's upstream call; zero when there was none.
	UpstreamPromptTokens     int `json:"upstream_prompt_tokens"`
	UpstreamCompletionTokens int `json:"upstream_completion_tokens"`
	// UpstreamCost is what upstream cost, or would have cost when latm
	// answered alone (then Estimated is set: estimated from the group's
	// forwarded and shadowed requests at the upstream's prices).
	UpstreamCost float64 `json:"upstream_cost"`
	Estimated    bool    `json:"estimated"`
	// LatmCost is what latm spent on its own model calls for the request.
	LatmCost float64 `json:"latm_cost"`
}

// GatewaySavings sums a tenant's gateway requests ("" for every tenant).
type GatewaySavings struct {
	Tenant        string         `json:"tenant,omitempty"`
	Requests      int            `json:"requests"`
	ByServed      map[string]int `json:"by_served"`
	UpstreamCalls int            `json:"upstream_calls"`
	UpstreamSaved int            `json:"upstream_saved"` // requests answered with no upstream call
	// WouldHaveCost is what upstream alone would have cost for every
	// request; Spent is what was paid (upstream calls plus latm's own).
	WouldHaveCost float64 `json:"would_have_cost"`
	Spent         float64 `json:"spent"`
	// Estimated counts the requests whose UpstreamCost is an estimate (no
	// upstream call was made, or upstream reported no usage);
	// EstimatedCost is their share of WouldHaveCost.
	Estimated     int     `json:"estimated"`
	EstimatedCost float64 `json:"estimated_cost"`
	Agreed        int     `json:"agreed"`
	Compared      int     `json:"compared"`
	// Daily holds the same sums per UTC day, oldest first, for the console's chart.
	Daily []GatewayDay `json:"daily"`
}

// GatewayDay is one day of GatewaySavings.
type GatewayDay struct {
	Day           string  `json:"day"` // YYYY-MM-DD
	Requests      int     `json:"requests"`
	ByTool        int     `json:"by_tool"`
	WouldHaveCost float64 `json:"would_have_cost"`
	Spent         float64 `json:"spent"`
}
