package library

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/latm/latm/tool"
)

// The gateway's records (migration 0008): phase transitions of the tool
// versions learned from traffic, and one row per chat completion request.
// Together they implement gateway.Store.

// ErrPhaseConflict is returned (wrapped) when a phase change does not
// start from the version's current phase: another writer moved it first.
var ErrPhaseConflict = errors.New("phase changed meanwhile")

// maxDetail bounds a request record's detail (bytes): it says why a
// fallback happened, it is not a place for upstream's whole error body.
const maxDetail = 512

// secretInText finds what looks like a credential in a detail text: a
// bearer token, an API key of the common shapes, a key=value secret.
var secretInText = regexp.MustCompile(`(?i)(bearer\s+)[^\s"',;]+|(?:sk|pk|rk|\bkey|\btok)-[A-Za-z0-9_\-]{6,}|((?:api[_-]?key|token|secret|password|authorization)["']?\s*[:=]\s*["']?)[^\s"',;&]+`)

// scrubDetail removes what looks like a credential and bounds the length,
// so that an upstream error echoing a key is never stored.
func scrubDetail(s string) string {
	s = secretInText.ReplaceAllStringFunc(s, func(m string) string {
		sub := secretInText.FindStringSubmatch(m)
		switch {
		case sub[1] != "":
			return sub[1] + "[redacted]"
		case sub[2] != "":
			return sub[2] + "[redacted]"
		}
		return "[redacted]"
	})
	if len(s) > maxDetail {
		cut := maxDetail
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func validPhase(p tool.Phase) bool { return p == tool.PhaseShadow || p == tool.PhaseLive }

// RecordPhaseChange stores c (setting At to now if it is zero). The change
// must start from the version's current phase ("" for a version never
// phased): a change from a stale phase is refused with ErrPhaseConflict,
// so that two writers deciding at once cannot both move a version.
func (s *Store) RecordPhaseChange(ctx context.Context, c tool.PhaseChange) error {
	if err := tool.ValidateName(c.Tool); err != nil {
		return fmt.Errorf("record phase change: %w", err)
	}
	ref := tool.Ref(c.Tool, c.Version)
	switch {
	case c.Version <= 0:
		return fmt.Errorf("record phase change of %s: version %d must be positive", c.Tool, c.Version)
	case !validPhase(c.To):
		return fmt.Errorf("record phase change of %s: to %q is neither %q nor %q", ref, c.To, tool.PhaseShadow, tool.PhaseLive)
	case c.From != "" && !validPhase(c.From):
		return fmt.Errorf("record phase change of %s: from %q is neither empty, %q nor %q", ref, c.From, tool.PhaseShadow, tool.PhaseLive)
	case c.Agreed < 0 || c.Compared < c.Agreed:
		return fmt.Errorf("record phase change of %s: %d agreed of %d compared is impossible", ref, c.Agreed, c.Compared)
	}
	at := c.At
	if at.IsZero() {
		at = time.Now()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		cur, err := toolPhase(ctx, tx, c.Tool, c.Version)
		if err != nil {
			return fmt.Errorf("record phase change of %s: %w", ref, err)
		}
		if cur != c.From {
			return fmt.Errorf("record phase change of %s from %q to %q: its phase is %q now: %w", ref, c.From, c.To, cur, ErrPhaseConflict)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO phase_changes (tool, version, tenant, from_phase, to_phase, agreed, compared, reason, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.Tool, c.Version, c.Tenant, string(c.From), string(c.To), c.Agreed, c.Compared, c.Reason, formatTime(at))
		if err != nil {
			return fmt.Errorf("record phase change of %s: %w", ref, err)
		}
		return nil
	})
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// toolPhase is the to-phase of the version's latest change, "" if none.
func toolPhase(ctx context.Context, q rowQuerier, name string, version int) (tool.Phase, error) {
	var p string
	err := q.QueryRowContext(ctx, `SELECT to_phase FROM phase_changes WHERE tool = ? AND version = ?
		ORDER BY at DESC, id DESC LIMIT 1`, name, version).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return tool.Phase(p), nil
}

// ToolPhase returns the current phase of name@version: the to-phase of its
// latest change, "" for a tool not learned from traffic.
func (s *Store) ToolPhase(ctx context.Context, name string, version int) (tool.Phase, error) {
	p, err := toolPhase(ctx, s.db, name, version)
	if err != nil {
		return "", fmt.Errorf("phase of %s: %w", tool.Ref(name, version), err)
	}
	return p, nil
}

// PhaseChanges lists the changes of every version of name, oldest first.
func (s *Store) PhaseChanges(ctx context.Context, name string) ([]tool.PhaseChange, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT tool, version, tenant, from_phase, to_phase, agreed, compared, reason, at
		FROM phase_changes WHERE tool = ? ORDER BY at, id`, name)
	if err != nil {
		return nil, fmt.Errorf("phase changes of %s: %w", name, err)
	}
	defer rows.Close()
	var out []tool.PhaseChange
	for rows.Next() {
		var c tool.PhaseChange
		var from, to, at string
		if err := rows.Scan(&c.Tool, &c.Version, &c.Tenant, &from, &to, &c.Agreed, &c.Compared, &c.Reason, &at); err != nil {
			return nil, fmt.Errorf("phase changes of %s: %w", name, err)
		}
		c.From, c.To, c.At = tool.Phase(from), tool.Phase(to), parseTime(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("phase changes of %s: %w", name, err)
	}
	return out, nil
}

var servedKinds = []string{tool.ServedPassthrough, tool.ServedUpstream, tool.ServedShadow, tool.ServedTool, tool.ServedSpot, tool.ServedFallback}

// RecordGatewayRequest stores r (setting At to now if it is zero) and sets
// r.ID. Detail is stored without anything that looks like a credential
// and at most 512 bytes long.
func (s *Store) RecordGatewayRequest(ctx context.Context, r *tool.GatewayRequest) error {
	known := false
	for _, k := range servedKinds {
		known = known || r.Served == k
	}
	switch {
	case !known:
		return fmt.Errorf("record gateway request: served %q is not one of %v", r.Served, servedKinds)
	case r.UpstreamPromptTokens < 0 || r.UpstreamCompletionTokens < 0:
		return fmt.Errorf("record gateway request: negative token counts (%d, %d)", r.UpstreamPromptTokens, r.UpstreamCompletionTokens)
	case r.UpstreamCost < 0 || r.LatmCost < 0:
		return fmt.Errorf("record gateway request: negative cost (upstream %g, latm %g)", r.UpstreamCost, r.LatmCost)
	}
	if r.At.IsZero() {
		r.At = time.Now()
	}
	var agreed any
	if r.Agreed != nil {
		agreed = boolInt(*r.Agreed)
	}
	err := s.db.QueryRowContext(ctx, `INSERT INTO gateway_requests (tenant, model, served, grp, tool, agreed, stream, detail, at,
		duration_ns, overhead_ns, upstream_prompt_tokens, upstream_completion_tokens, upstream_cost, estimated, latm_cost)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.Tenant, r.Model, r.Served, r.Group, r.Tool, agreed, boolInt(r.Stream), scrubDetail(r.Detail), formatTime(r.At),
		int64(r.Duration), int64(r.Overhead), r.UpstreamPromptTokens, r.UpstreamCompletionTokens, r.UpstreamCost,
		boolInt(r.Estimated), r.LatmCost).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("record gateway request: %w", err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The sums of GatewaySavings and GatewayDay. A request answered by a tool
// alone made no upstream call: its upstream cost is what the call would
// have cost, counted in WouldHaveCost but not in Spent.
const savingsSums = `count(*),
	coalesce(sum(served = 'tool'), 0),
	coalesce(sum(upstream_cost), 0),
	coalesce(sum(CASE WHEN served = 'tool' THEN 0 ELSE upstream_cost END) + sum(latm_cost), 0)`

// GatewaySavings sums the requests of tenant ("" for every tenant): how
// each was served, what upstream alone would have cost against what was
// spent, how many of those costs are estimates, and the agreement of the
// answers compared; Daily holds the same per UTC day, oldest first.
func (s *Store) GatewaySavings(ctx context.Context, tenant string) (tool.GatewaySavings, error) {
	out := tool.GatewaySavings{Tenant: tenant, ByServed: map[string]int{}, Daily: []tool.GatewayDay{}}
	where, args := "", []any(nil)
	if tenant != "" {
		where, args = " WHERE tenant = ?", []any{tenant}
	}
	fail := func(err error) (tool.GatewaySavings, error) {
		if tenant == "" {
			return tool.GatewaySavings{}, fmt.Errorf("gateway savings: %w", err)
		}
		return tool.GatewaySavings{}, fmt.Errorf("gateway savings of tenant %s: %w", tenant, err)
	}
	err := s.db.QueryRowContext(ctx, `SELECT `+savingsSums+`,
		coalesce(sum(estimated), 0), coalesce(sum(CASE WHEN estimated = 1 THEN upstream_cost ELSE 0 END), 0),
		coalesce(sum(agreed = 1), 0), count(agreed)
		FROM gateway_requests`+where, args...).
		Scan(&out.Requests, &out.UpstreamSaved, &out.WouldHaveCost, &out.Spent,
			&out.Estimated, &out.EstimatedCost, &out.Agreed, &out.Compared)
	if err != nil {
		return fail(err)
	}
	out.UpstreamCalls = out.Requests - out.UpstreamSaved
	rows, err := s.db.QueryContext(ctx, `SELECT served, count(*) FROM gateway_requests`+where+` GROUP BY served`, args...)
	if err != nil {
		return fail(err)
	}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return fail(err)
		}
		out.ByServed[k] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	// at is fixed-width UTC text, so its first ten characters are the day.
	rows, err = s.db.QueryContext(ctx, `SELECT substr(at, 1, 10) AS day, `+savingsSums+`
		FROM gateway_requests`+where+` GROUP BY day ORDER BY day`, args...)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		var d tool.GatewayDay
		if err := rows.Scan(&d.Day, &d.Requests, &d.ByTool, &d.WouldHaveCost, &d.Spent); err != nil {
			return fail(err)
		}
		out.Daily = append(out.Daily, d)
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	return out, nil
}

// GatewayTenants lists the tenants that have gateway requests, in order;
// "" (requests without a token) is listed first when there are any.
func (s *Store) GatewayTenants(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT tenant FROM gateway_requests ORDER BY tenant`)
	if err != nil {
		return nil, fmt.Errorf("gateway tenants: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("gateway tenants: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RecentGatewayRequests returns the latest limit requests of tenant (""
// for every tenant), the newest first.
func (s *Store) RecentGatewayRequests(ctx context.Context, tenant string, limit int) ([]tool.GatewayRequest, error) {
	where, args := "", []any{}
	if tenant != "" {
		where, args = " WHERE tenant = ?", append(args, tenant)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, tenant, model, served, grp, tool, agreed, stream, detail, at,
		duration_ns, overhead_ns, upstream_prompt_tokens, upstream_completion_tokens, upstream_cost, estimated, latm_cost
		FROM gateway_requests`+where+` ORDER BY at DESC, id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("recent gateway requests: %w", err)
	}
	defer rows.Close()
	var out []tool.GatewayRequest
	for rows.Next() {
		var r tool.GatewayRequest
		var agreed sql.NullInt64
		var at string
		var stream, estimated int
		var dur, over int64
		if err := rows.Scan(&r.ID, &r.Tenant, &r.Model, &r.Served, &r.Group, &r.Tool, &agreed, &stream, &r.Detail, &at,
			&dur, &over, &r.UpstreamPromptTokens, &r.UpstreamCompletionTokens, &r.UpstreamCost, &estimated, &r.LatmCost); err != nil {
			return nil, fmt.Errorf("recent gateway requests: %w", err)
		}
		if agreed.Valid {
			b := agreed.Int64 == 1
			r.Agreed = &b
		}
		r.Stream, r.Estimated = stream == 1, estimated == 1
		r.At, r.Duration, r.Overhead = parseTime(at), time.Duration(dur), time.Duration(over)
		out = append(out, r)
	}
	return out, rows.Err()
}
