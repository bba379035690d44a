package dispatch

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/latm/latm/tool"
)

// DefaultGroupThreshold is the score an unknown instance needs against a
// group's profile to join it; below it the instance starts a new group.
// Set low enough that instances of one templated task gather after a
// single member, high enough that BIG-Bench Hard tasks of different
// families stay apart in most cases (docs/bench-dispatch.md, "Pool").
const DefaultGroupThreshold = 0.2

// groupOf picks the group for question among the open pending instances:
// the group whose profile scores highest, if at least threshold, else a
// new group (one past the highest group in use).
func groupOf(open []*tool.Pending, question string, threshold float64) int64 {
	byGroup := map[int64][]string{}
	var top int64
	for _, p := range open {
		if p.Group <= 0 {
			continue
		}
		byGroup[p.Group] = append(byGroup[p.Group], p.Question)
		top = max(top, p.Group)
	}
	shs := shingles(question)
	best, bestScore := int64(0), -1.0
	groups := make([]int64, 0, len(byGroup))
	for g := range byGroup {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i] < groups[j] })
	for _, g := range groups {
		if s := NewProfile(byGroup[g]).score(shs); s > bestScore {
			best, bestScore = g, s
		}
	}
	if best > 0 && bestScore >= threshold {
		return best
	}
	return top + 1
}

// stopWords are left out of a group's task name.
var stopWords = map[string]bool{
	"the": true, "a": true, "an": true, "of": true, "and": true, "or": true, "to": true, "in": true,
	"is": true, "are": true, "on": true, "for": true, "with": true, "following": true, "what": true,
	"which": true, "q": true, "#": true, "options": true, "this": true, "that": true, "be": true,
	"it": true, "at": true, "as": true, "by": true, "from": true, "if": true, "i": true, "you": true,
}

// taskName derives a tool name from a group's questions: the first three
// words (in order of first use) that occur in every question, slugged,
// made unique against taken by a numeric suffix.
func taskName(questions []string, taken map[string]bool) string {
	count := map[string]int{}
	var order []string
	for i, q := range questions {
		seen := map[string]bool{}
		for _, w := range normWords(q) {
			if seen[w] || stopWords[w] || len(w) < 3 || !isWord(w) {
				continue
			}
			seen[w] = true
			if count[w] == 0 && i == 0 {
				order = append(order, w)
			}
			count[w]++
		}
	}
	var parts []string
	for _, w := range order {
		if count[w] == len(questions) {
			parts = append(parts, w)
		}
		if len(parts) == 3 {
			break
		}
	}
	base := strings.Join(parts, "_")
	if base == "" {
		base = "task"
	}
	if len(base) > 40 {
		base = base[:40]
	}
	name := base
	for n := 2; taken[name] || tool.ValidateName(name) != nil; n++ {
		name = fmt.Sprintf("%s_%d", base, n)
		if n > 1000 {
			return fmt.Sprintf("task_%d", len(taken)+1)
		}
	}
	return name
}

func isWord(w string) bool {
	for _, r := range w {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// pendingKey is the pending pool's instance id of an instance of a batch.
func pendingKey(batch, id string) string { return batch + ":" + id }

// splitPendingKey undoes pendingKey.
func splitPendingKey(key string) (batch, id string) {
	batch, id, ok := strings.Cut(key, ":")
	if !ok {
		return "", key
	}
	return batch, id
}

// openPending returns the open pending instances of the dispatcher's
// tenant, by group (0: none yet), and the highest group number in use by
// any tenant: group numbers are unique across tenants, so that a group's
// making lease and its number in the pending views name one group.
func (d *Dispatcher) openPending(ctx context.Context) ([]*tool.Pending, int64, error) {
	all, err := d.Store.PendingInstances(ctx, -1)
	if err != nil {
		return nil, 0, err
	}
	var top int64
	own := all[:0:0]
	for _, p := range all {
		top = max(top, p.Group)
		if p.Tenant == d.Tenant {
			own = append(own, p)
		}
	}
	return own, top, nil
}

// tenantPending keeps the instances of the dispatcher's tenant.
func (d *Dispatcher) tenantPending(ps []*tool.Pending) []*tool.Pending {
	own := ps[:0:0]
	for _, p := range ps {
		if p.Tenant == d.Tenant {
			own = append(own, p)
		}
	}
	return own
}

// groupIn is groupOf among own (the tenant's open instances), except that
// a new group takes the number after top (the highest in use by anyone).
func groupIn(own []*tool.Pending, top int64, question string, threshold float64) int64 {
	g := groupOf(own, question, threshold)
	for _, p := range own {
		if p.Group == g {
			return g
		}
	}
	return max(g, top+1)
}
