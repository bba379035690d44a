package library

import (
	"context"
	"fmt"
	"math"
)

// SavingsRow is what one tool (or one batch) answered by each path, what
// its model calls cost, and what the strong model answering every instance
// directly would have cost instead.
type SavingsRow struct {
	Key       string  `json:"key"` // tool name or batch
	Instances int     `json:"instances"`
	Parser    int     `json:"parser"`   // answered by the tool's parser, no model call
	Template  int     `json:"template"` // answered by the template path, no model call
	User      int     `json:"user"`     // the user model wrote the call
	Unknown   int     `json:"unknown"`  // recorded before paths were
	UserCalls int     `json:"user_calls"`
	UserCost  float64 `json:"user_cost"`
	MakeCalls int     `json:"make_calls"`
	MakeCost  float64 `json:"make_cost"`
	// DirectCost estimates what the strong model would have cost answering
	// every instance itself: Instances times DirectPerCall. It is always an
	// estimate.
	DirectCost float64 `json:"direct_cost_estimated"`
	Saved      float64 `json:"saved_estimated"` // DirectCost − UserCost − MakeCost
	// BreakEven is how many instances repay the making, at this row's
	// user cost per instance; -1 if no number of them does.
	BreakEven int `json:"break_even"`
}

// DirectPrice is what answering one instance directly with the strong
// model costs, estimated from the tokens of comparable recorded calls.
type DirectPrice struct {
	PriceIn, PriceOut   float64 // per million tokens, the strong model's
	TokensIn, TokensOut float64 // per call, averaged over Basis
	Basis               string  // which recorded calls the tokens come from
	PerCall             float64
}

// EstimateDirect averages the tokens of the strong (solver-role) model's
// recorded direct answers; with none, those of the user model's calls (a
// use prompt carries the tool's source too, so this overestimates the
// question's share; it is said in Basis).
func (s *Store) EstimateDirect(ctx context.Context, priceIn, priceOut float64) (DirectPrice, error) {
	d := DirectPrice{PriceIn: priceIn, PriceOut: priceOut}
	for _, basis := range []struct{ role, say string }{
		{"solver", "the strong model's recorded direct answers"},
		{"user", "the user model's recorded calls (no direct answers recorded)"},
	} {
		var n int
		err := s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(avg(tokens_in), 0), coalesce(avg(tokens_out), 0)
			FROM model_calls WHERE role = ? AND cache_hit = 0 AND status = 'ok'`, basis.role).Scan(&n, &d.TokensIn, &d.TokensOut)
		if err != nil {
			return d, fmt.Errorf("estimate direct cost: %w", err)
		}
		if n > 0 {
			d.Basis = fmt.Sprintf("%s (%d)", basis.say, n)
			break
		}
	}
	if d.Basis == "" {
		d.Basis = "no recorded calls: nothing to estimate from"
	}
	d.PerCall = (d.TokensIn*priceIn + d.TokensOut*priceOut) / 1e6
	return d, nil
}

// Savings reports per tool (by "tool") or per batch (by "batch"). User
// calls and making are in the ledger per tool; a batch row holds its share
// of its tools' user calls, counted as one per user-path instance.
func (s *Store) Savings(ctx context.Context, by string, d DirectPrice) ([]SavingsRow, error) {
	key := map[string]string{"tool": "tool_name", "batch": "batch"}[by]
	if key == "" {
		return nil, fmt.Errorf("savings by %q: want tool or batch", by)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+key+`, count(*),
		coalesce(sum(path = 'parser'), 0), coalesce(sum(path = 'template'), 0),
		coalesce(sum(path = 'user'), 0), coalesce(sum(path = ''), 0)
		FROM runs GROUP BY `+key+` ORDER BY `+key)
	if err != nil {
		return nil, fmt.Errorf("savings by %s: %w", by, err)
	}
	var out []SavingsRow
	for rows.Next() {
		var r SavingsRow
		if err := rows.Scan(&r.Key, &r.Instances, &r.Parser, &r.Template, &r.User, &r.Unknown); err != nil {
			rows.Close()
			return nil, fmt.Errorf("savings by %s: %w", by, err)
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("savings by %s: %w", by, err)
	}
	// The ledger names a user call's tool name@version, a making call's
	// tool by its name.
	var perUserCall float64
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(sum(cost) / nullif(count(*), 0), 0) FROM model_calls WHERE role = 'user'`).Scan(&perUserCall); err != nil {
		return nil, fmt.Errorf("savings: %w", err)
	}
	for i := range out {
		r := &out[i]
		if by == "tool" {
			if err := s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(cost), 0) FROM model_calls
				WHERE role = 'user' AND (tool = ? OR tool LIKE ? || '@%')`, r.Key, r.Key).Scan(&r.UserCalls, &r.UserCost); err != nil {
				return nil, fmt.Errorf("savings of %s: %w", r.Key, err)
			}
			if err := s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(cost), 0) FROM model_calls
				WHERE role = 'maker' AND tool = ?`, r.Key).Scan(&r.MakeCalls, &r.MakeCost); err != nil {
				return nil, fmt.Errorf("savings of %s: %w", r.Key, err)
			}
		} else {
			r.UserCalls = r.User + r.Unknown
			r.UserCost = float64(r.UserCalls) * perUserCall
		}
		r.DirectCost = float64(r.Instances) * d.PerCall
		r.Saved = r.DirectCost - r.UserCost - r.MakeCost
		r.BreakEven = breakEven(r.MakeCost, d.PerCall, r.UserCost, r.Instances)
	}
	return out, nil
}

// breakEven is the instances at which making pays: making / (direct − user
// per instance), rounded up; 0 with nothing to repay, -1 if never.
func breakEven(makeCost, direct, userCost float64, n int) int {
	if makeCost <= 0 {
		return 0
	}
	perInstance := 0.0
	if n > 0 {
		perInstance = userCost / float64(n)
	}
	gain := direct - perInstance
	if gain <= 0 {
		return -1
	}
	return int(math.Ceil(makeCost/gain - 1e-9)) // not one more for a rounding error
}
