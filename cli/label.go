package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/worker"
)

func newLabelCmd(app *App) *cobra.Command {
	var list, asJSON bool
	var nf natsFlags
	cmd := &cobra.Command{
		Use:   "label (ID ANSWER | --list) [--nats URL]",
		Short: "Give the answer to a pending instance of an unknown task, or list them",
		Long: `label records a person's answer to an instance waiting in the pending pool.
ID is the pending id shown by --list (BATCH:ID), or the instance's id alone
when only one batch has it. Once a group has dispatch.min_examples labelled
instances, the next latm stream makes its tool.

With --nats URL, label lists and labels the shared pending pool of latm
workers (latm stream --nats) instead of the local file's; a label that gives
a group dispatch.min_examples labelled instances asks the workers to make
its tool, and the worker that makes it solves the group's instances and
stores their results, which a rerun of their stream reads.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if list && len(args) > 0 || !list && len(args) != 2 {
				return usageError("label: give ID ANSWER, or --list")
			}
			if asJSON && !list {
				return usageError("label: --json goes with --list")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var q *worker.Queue
			var store *library.Store
			var open []*tool.Pending
			var err error
			if nf.url != "" {
				if q, err = nf.connect(ctx, app.Cfg.NATS); err != nil {
					return err
				}
				defer q.Close()
				open, err = q.PendingPool(ctx)
			} else {
				if store, err = app.Store(); err != nil {
					return err
				}
				open, err = store.PendingInstances(ctx, -1)
			}
			if err != nil {
				return err
			}
			if list {
				if asJSON {
					out := make([]pendingSummary, 0, len(open))
					for _, p := range open {
						out = append(out, pendingSummary{ID: p.InstanceID, Group: p.Group, Label: p.Label, LabelSource: p.LabelSource, Question: p.Question, Tenant: p.Tenant})
					}
					return writeJSON(app.Out, out)
				}
				if len(open) == 0 {
					fmt.Fprintln(app.Out, "no pending instances: every instance latm stream has seen went to a tool or was answered")
					return nil
				}
				for _, p := range open {
					label := p.Label
					if label == "" {
						label = "-"
					}
					group := fmt.Sprintf("group %d", p.Group)
					if p.Tenant != "" {
						group += " of " + p.Tenant
					}
					fmt.Fprintf(app.Out, "%s\t%s\t%s (%s)\t%s\n", p.InstanceID, group, label, orDash(p.LabelSource), oneLine(p.Question, 80))
				}
				return nil
			}
			id, answer := args[0], strings.TrimSpace(args[1])
			if answer == "" {
				return usageError("label %s: the answer is empty", id)
			}
			key, err := pendingID(open, id)
			if err != nil {
				return err
			}
			if q != nil {
				return labelShared(ctx, app, q, key, answer)
			}
			if err := store.LabelPending(ctx, key, answer, "human"); err != nil {
				if errors.Is(err, library.ErrNotFound) {
					return usageError("label: no pending instance %q (see latm label --list)", id)
				}
				return err
			}
			fmt.Fprintf(app.Out, "labelled %s\n", key)
			return nil
		},
	}
	nf.register(cmd, "list and label the shared pending pool of latm workers on this NATS JetStream (URLs, comma-separated)")
	cmd.Flags().BoolVar(&list, "list", false, "list the pending instances: id, group, label, question")
	cmd.Flags().BoolVar(&asJSON, "json", false, "with --list, print JSON")
	return cmd
}

// pendingSummary is one entry of label --list --json.
type pendingSummary struct {
	ID          string `json:"id"`
	Group       int64  `json:"group"` // 0: not grouped yet
	Label       string `json:"label"`
	LabelSource string `json:"label_source"`
	Question    string `json:"question"`
	Tenant      string `json:"tenant,omitempty"` // whose traffic pooled it (a serve token's name); absent: the operator's
}

// pendingID resolves a pending id given in full (BATCH:ID) or as the
// instance id alone.
func pendingID(open []*tool.Pending, id string) (string, error) {
	var matches []string
	for _, p := range open {
		if p.InstanceID == id {
			return id, nil
		}
		if _, rest, ok := strings.Cut(p.InstanceID, ":"); ok && rest == id {
			matches = append(matches, p.InstanceID)
		}
	}
	switch len(matches) {
	case 0:
		return "", usageError("label: no pending instance %q (see latm label --list)", id)
	case 1:
		return matches[0], nil
	}
	return "", usageError("label: %q is pending in several batches (%s); give the full id", id, strings.Join(matches, ", "))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// labelShared labels instance key of the workers' shared pool and, when
// its group has dispatch.min_examples labelled instances now, asks the
// workers to make the group's tool.
func labelShared(ctx context.Context, app *App, q *worker.Queue, key, answer string) error {
	need := groupNeeds(app)
	group, labelled, err := labelInPool(ctx, q, need, key, answer)
	if err != nil {
		if errors.Is(err, library.ErrNotFound) {
			return usageError("label: no pending instance %q in the shared pool (see latm label --list --nats URL)", key)
		}
		return err
	}
	switch {
	case group == 0:
		fmt.Fprintf(app.Out, "labelled %s (not grouped yet: the worker pooling it makes its group's tool when it is ready)\n", key)
	case labelled < need:
		fmt.Fprintf(app.Out, "labelled %s (group %d: %d of the %d labelled instances its tool needs)\n", key, group, labelled, need)
	default:
		fmt.Fprintf(app.Out, "labelled %s (group %d: %d labelled instances; a worker makes its tool and solves the group, which a rerun of its stream reports)\n", key, group, labelled)
	}
	return nil
}

// groupNeeds is how many labelled instances a pending group needs before
// its tool is made, as the engine counts it.
func groupNeeds(app *App) int {
	return max(app.Cfg.Dispatch.MinExamples, app.Cfg.Make.Train+app.Cfg.Make.Valid, 1)
}

// labelInPool records a person's answer to key (BATCH:ID) in the workers'
// shared pool and, once its group has need labelled instances, asks a
// worker to make the group's tool. It returns the group (0: not grouped
// yet) and how many of its instances are labelled.
func labelInPool(ctx context.Context, q *worker.Queue, need int, key, answer string) (int64, int, error) {
	group, labelled, err := q.LabelPending(ctx, key, answer)
	if err != nil || group == 0 || labelled < need {
		return group, labelled, err
	}
	batch, _, _ := strings.Cut(key, ":")
	return group, labelled, q.RequestMake(ctx, batch, group, labelled)
}
