package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// RoleInfo says which model answered for a role, where, at what price.
type RoleInfo struct {
	Model    string  `json:"model"`
	Endpoint string  `json:"endpoint"`
	PriceIn  float64 `json:"price_in"`
	PriceOut float64 `json:"price_out"`
}

// Results is what a run writes to its results file: enough to compare two
// runs and to know what produced each figure.
type Results struct {
	LATMVersion  string              `json:"latm_version"`
	Started      time.Time           `json:"started"`
	Finished     time.Time           `json:"finished"`
	Roles        map[string]RoleInfo `json:"roles"`
	PromptHashes map[string]string   `json:"prompt_hashes"`
	// TaskHashes identify each task's examples and CoT prompt (Task.Hash).
	TaskHashes map[string]string `json:"task_hashes,omitempty"`
	Methods    []string          `json:"methods"`
	Tasks      []string          `json:"tasks"`
	Limit      int               `json:"limit,omitempty"`
	CoTRole    string            `json:"cot_role,omitempty"`
	// Calls are the call modes the latm method was compared in, if any.
	Calls []string `json:"calls,omitempty"`
	Rows  []Row    `json:"rows"`
}

// WriteFile writes r as indented JSON.
func (r *Results) WriteFile(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// ReadResults reads a results file.
func ReadResults(path string) (*Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: not a latm eval results file: %w", path, err)
	}
	return &r, nil
}

// Markdown writes one table per task.
func Markdown(w io.Writer, r *Results) {
	fmt.Fprintf(w, "latm %s · ", r.LATMVersion)
	var roles []string
	for name, ri := range r.Roles {
		roles = append(roles, fmt.Sprintf("%s: %s", name, ri.Model))
	}
	sort.Strings(roles)
	fmt.Fprintf(w, "%s\n", strings.Join(roles, " · "))
	fmt.Fprintln(w, "Every figure below was measured on the models and endpoints its row names; none is quoted from the paper.")
	byTask := map[string][]Row{}
	var order []string
	for _, row := range r.Rows {
		if _, ok := byTask[row.Task]; !ok {
			order = append(order, row.Task)
		}
		byTask[row.Task] = append(byTask[row.Task], row)
	}
	for _, task := range order {
		fmt.Fprintf(w, "\n### %s\n\n", task)
		fmt.Fprintln(w, "| method | accuracy | correct/n | errors | model calls | cache hits | tokens in | tokens out | cost | wall | tool making | measured on |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
		for _, row := range byTask[task] {
			est := ""
			if row.Estimated {
				est = "~"
			}
			fmt.Fprintf(w, "| %s | %.1f%% | %d/%d | %d | %d | %d | %s%d | %s%d | %s | %s | %s | %s |\n",
				methodText(row), row.Accuracy, row.Correct, row.N, row.Errors, row.Calls, row.CacheHits,
				est, row.TokensIn, est, row.TokensOut, money(row.Cost), (time.Duration(row.WallMS) * time.Millisecond).Round(time.Millisecond), making(row), orDash(row.Measured))
		}
		callModes(w, byTask[task])
	}
}

// callModes writes the comparison of call modes of one task's latm rows,
// if it has any: the user model's side only, since the tool is the same.
func callModes(w io.Writer, rows []Row) {
	var modes []Row
	for _, row := range rows {
		if row.Method == MethodLATM && row.Call != "" {
			modes = append(modes, row)
		}
	}
	if len(modes) == 0 {
		return
	}
	fmt.Fprintln(w, "\nCall modes, on the same tool and test set (user model only; the making is counted once above in each row):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| call | accuracy | correct/n | user calls | user tokens in | user tokens out | retries | invalid JSON arguments | errors |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, row := range modes {
		fmt.Fprintf(w, "| %s | %.1f%% | %d/%d | %d | %d | %d | %d | %d | %d |\n", row.Call, row.Accuracy, row.Correct, row.N,
			row.Calls-row.MakeCalls, row.TokensIn-row.MakeTokensIn, row.TokensOut-row.MakeTokensOut, row.Retries, row.Invalid, row.Errors)
	}
}

// methodText is a row's method, with its call mode when modes are compared.
func methodText(row Row) string {
	if row.Call != "" {
		return row.Method + " (" + row.Call + ")"
	}
	return row.Method
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func making(row Row) string {
	if row.Method != MethodLATM {
		return ""
	}
	if !row.MakeOK {
		return fmt.Sprintf("failed after %d+%d tries: %s", row.ProposeTries, row.VerifyTries, oneLine(row.MakeError, 60))
	}
	return fmt.Sprintf("%s: propose %d, verify %d tries, %s", row.Tool, row.ProposeTries, row.VerifyTries, money(row.MakeCost))
}

func money(x float64) string {
	if x < 0.01 && x > 0 {
		return fmt.Sprintf("$%.5f", x)
	}
	return fmt.Sprintf("$%.2f", x)
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// Compare writes a side-by-side table of two runs, and the settings that
// differ between them.
func Compare(w io.Writer, a, b *Results, nameA, nameB string) {
	fmt.Fprintf(w, "A: %s\nB: %s\n\n", nameA, nameB)
	var diffs []string
	if a.LATMVersion != b.LATMVersion {
		diffs = append(diffs, fmt.Sprintf("latm version: %s → %s", a.LATMVersion, b.LATMVersion))
	}
	for _, role := range unionKeys(a.Roles, b.Roles) {
		ra, okA := a.Roles[role]
		rb, okB := b.Roles[role]
		if ra != rb || okA != okB {
			priced := ra.PriceIn != rb.PriceIn || ra.PriceOut != rb.PriceOut
			diffs = append(diffs, fmt.Sprintf("%s: %s → %s", role, roleText(ra, okA, priced && okB), roleText(rb, okB, priced && okA)))
		}
	}
	for _, p := range unionKeys(a.PromptHashes, b.PromptHashes) {
		if a.PromptHashes[p] != b.PromptHashes[p] {
			diffs = append(diffs, fmt.Sprintf("prompt %s changed", p))
		}
	}
	for _, task := range unionKeys(a.TaskHashes, b.TaskHashes) {
		ha, okA := a.TaskHashes[task]
		hb, okB := b.TaskHashes[task]
		if okA && okB && ha != hb {
			diffs = append(diffs, fmt.Sprintf("task %s: examples or CoT prompt changed", task))
		}
	}
	if a.Limit != b.Limit {
		diffs = append(diffs, fmt.Sprintf("limit: %s → %s", limitText(a.Limit), limitText(b.Limit)))
	}
	if a.CoTRole != b.CoTRole {
		diffs = append(diffs, fmt.Sprintf("cot role: %s → %s", orDash(a.CoTRole), orDash(b.CoTRole)))
	}
	// Rows measured on different instances, or in one run only, are
	// not a comparison of like with like: say so above the table.
	inA, inB := map[string]Row{}, map[string]Row{}
	for _, r := range a.Rows {
		inA[r.Task+"/"+methodText(r)] = r
	}
	for _, r := range b.Rows {
		inB[r.Task+"/"+methodText(r)] = r
	}
	var onlyA, onlyB []string
	for _, r := range a.Rows {
		k := r.Task + "/" + methodText(r)
		if y, ok := inB[k]; !ok {
			onlyA = append(onlyA, k)
		} else if y.N != r.N {
			diffs = append(diffs, fmt.Sprintf("%s: n %d → %d; the accuracies are over different instances", k, r.N, y.N))
		}
	}
	for _, r := range b.Rows {
		if _, ok := inA[r.Task+"/"+methodText(r)]; !ok {
			onlyB = append(onlyB, r.Task+"/"+methodText(r))
		}
	}
	if len(onlyA) > 0 {
		diffs = append(diffs, "only in A: "+strings.Join(onlyA, ", "))
	}
	if len(onlyB) > 0 {
		diffs = append(diffs, "only in B: "+strings.Join(onlyB, ", "))
	}
	if len(diffs) == 0 {
		fmt.Fprintln(w, "Same models, endpoints, prompts and version.")
	} else {
		fmt.Fprintln(w, "Differences:")
		for _, d := range diffs {
			fmt.Fprintln(w, "- "+d)
		}
	}
	key := func(r Row) string { return r.Task + "\x00" + methodText(r) }
	ra, rb := map[string]Row{}, map[string]Row{}
	var keys []string
	for _, r := range a.Rows {
		ra[key(r)] = r
		keys = append(keys, key(r))
	}
	for _, r := range b.Rows {
		if _, ok := ra[key(r)]; !ok {
			keys = append(keys, key(r))
		}
		rb[key(r)] = r
	}
	fmt.Fprintln(w, "\n| task | method | accuracy A | accuracy B | Δ | cost A | cost B | calls A | calls B |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, k := range keys {
		x, okA := ra[k]
		y, okB := rb[k]
		task, method, _ := strings.Cut(k, "\x00")
		cell := func(ok bool, f string, v ...any) string {
			if !ok {
				return "—"
			}
			return fmt.Sprintf(f, v...)
		}
		delta := "—"
		if okA && okB {
			delta = fmt.Sprintf("%+.1f", y.Accuracy-x.Accuracy)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", task, method,
			cell(okA, "%.1f%%", x.Accuracy), cell(okB, "%.1f%%", y.Accuracy), delta,
			cell(okA, "%s", money(x.Cost)), cell(okB, "%s", money(y.Cost)),
			cell(okA, "%d", x.Calls), cell(okB, "%d", y.Calls))
	}
}

// roleText names a role's model and endpoint in Compare, with its prices
// when they are what changed.
func roleText(ri RoleInfo, used, priced bool) string {
	if !used {
		return "not used"
	}
	s := fmt.Sprintf("%s @ %s", ri.Model, ri.Endpoint)
	if priced {
		s += fmt.Sprintf(", price %g/%g", ri.PriceIn, ri.PriceOut)
	}
	return s
}

func limitText(n int) string {
	if n <= 0 {
		return "all"
	}
	return fmt.Sprint(n)
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}
