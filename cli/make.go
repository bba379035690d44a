package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/latm/latm/engine"
	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/library"
	"github.com/latm/latm/maker"
)

// maxExampleLine bounds one line of an examples file (bytes).
const maxExampleLine = 1 << 20

func newMakeCmd(app *App) *cobra.Command {
	var examplesFile, bbhTask, description, transcript string
	var train, valid int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "make NAME (--examples FILE.jsonl | --bbh TASK)",
		Short: "Have the maker model write, verify and save a tool from solved examples",
		Long: `make asks the maker model for a generic Starlark tool that solves the
examples' kind of question, checks it in the sandbox, has the model write
one test per validation example (fixing the tool or the tests when they
fail), checks the tool on the training examples too, and saves it as the
next version of NAME.

Examples come from a JSONL file, one {"question": …, "answer": …} per line,
or from a bundled BIG-Bench Hard task (its training and validation split).
The first --train examples are shown to the model, the next --valid are
tested. When making fails, nothing is saved and the whole chat is written
to --transcript (default: a file in the temporary directory).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := library.ValidateName(name); err != nil {
				return usageError("%v", err)
			}
			if (examplesFile == "") == (bbhTask == "") {
				return usageError("give exactly one of --examples FILE.jsonl and --bbh TASK")
			}
			if f := cmd.Flags().Lookup("train"); !f.Changed {
				train = app.Cfg.Make.Train
			}
			if f := cmd.Flags().Lookup("valid"); !f.Changed {
				valid = app.Cfg.Make.Valid
			}
			if train <= 0 || valid <= 0 {
				return usageError("--train and --valid must be at least 1 (got %d and %d)", train, valid)
			}
			var examples []library.Example
			if examplesFile != "" {
				ex, err := readExamples(examplesFile, app.Err)
				if err != nil {
					return err
				}
				examples = ex
			} else {
				split, err := bbh.LoadSplit(bbhTask)
				if err != nil {
					return usageError("%v", err)
				}
				// As in the paper: training from the task's training split,
				// validation from its validation split.
				if train > len(split.Train) || valid > len(split.Valid) {
					return usageError("--bbh %s has %d training and %d validation examples; lower --train or --valid", bbhTask, len(split.Train), len(split.Valid))
				}
				for _, e := range split.Train[:train] {
					examples = append(examples, library.Example{Question: e.Question, Answer: e.Answer})
				}
				for _, e := range split.Valid[:valid] {
					examples = append(examples, library.Example{Question: e.Question, Answer: e.Answer})
				}
			}
			if len(examples) < train+valid {
				return usageError("%s: %d usable examples, need %d (%d for training, %d for validation); add examples or lower --train/--valid",
					examplesFile, len(examples), train+valid, train, valid)
			}
			return runMake(cmd, app, maker.Task{Name: name, Description: description, Examples: examples}, train, valid, transcript, asJSON)
		},
	}
	f := cmd.Flags()
	f.StringVar(&examplesFile, "examples", "", "JSONL file of solved examples, one {\"question\", \"answer\"} per line")
	f.StringVar(&bbhTask, "bbh", "", "use a bundled BIG-Bench Hard task's training and validation examples")
	f.StringVar(&description, "description", "", "what the tool is for (shown to the maker and kept with the tool)")
	f.IntVar(&train, "train", 0, "training examples shown to the maker (default: make.train)")
	f.IntVar(&valid, "valid", 0, "validation examples the tool is tested on (default: make.valid)")
	app.bind(cmd, "train", "make.train")
	app.bind(cmd, "valid", "make.valid")
	f.BoolVar(&asJSON, "json", false, "print the made tool's summary as JSON")
	f.StringVar(&transcript, "transcript", "", "where to write the chat when making fails (default: a file in the temporary directory)")
	return cmd
}

// madeTool is what make prints with --json.
type madeTool struct {
	Name         string `json:"name"`
	Version      int    `json:"version"`
	Ref          string `json:"ref"`
	Entry        string `json:"entry"`
	Signature    string `json:"signature"`
	Examples     int    `json:"examples"`
	ProposeTries int    `json:"propose_tries"`
	VerifyTries  int    `json:"verify_tries"`
}

func runMake(cmd *cobra.Command, app *App, task maker.Task, train, valid int, transcript string, asJSON bool) error {
	e, err := app.Engine()
	if err != nil {
		return err
	}
	tool, att, err := e.Make(cmd.Context(), task, engine.MakeOptions{Train: train, Valid: valid})
	var se *engine.SaveError
	if err != nil && !errors.As(err, &se) {
		var msgs []library.Message
		if tool != nil {
			msgs = tool.Transcript
		}
		path, werr := writeTranscript(transcript, task.Name, msgs)
		if werr != nil {
			return fmt.Errorf("%w (and the transcript could not be written: %v)", err, werr)
		}
		return fmt.Errorf("%w; nothing saved; transcript in %s", err, path)
	}
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(app.Out, madeTool{Name: tool.Name, Version: tool.Version, Ref: tool.Ref(), Entry: tool.Entry,
			Signature: tool.Signature, Examples: len(tool.Examples), ProposeTries: att.ProposeTries, VerifyTries: att.VerifyTries})
	}
	fmt.Fprintf(app.Out, "made %s (propose tries %d, verify tries %d)\n", tool.Ref(), att.ProposeTries, att.VerifyTries)
	return nil
}

// writeTranscript writes msgs as JSON to path, or to a new file in the
// temporary directory when path is empty, and returns the file's name.
func writeTranscript(path, name string, msgs []library.Message) (string, error) {
	if msgs == nil {
		msgs = []library.Message{}
	}
	b, err := json.MarshalIndent(msgs, "", "  ")
	if err != nil {
		return "", err
	}
	b = append(b, '\n')
	if path == "" {
		f, err := os.CreateTemp("", "latm-make-"+name+"-*.json")
		if err != nil {
			return "", err
		}
		defer f.Close()
		if _, err := f.Write(b); err != nil {
			return "", err
		}
		return f.Name(), f.Close()
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", err
	}
	return filepath.Clean(path), nil
}

// readExamples reads a JSONL file of solved examples. A bad line is
// reported on warn as "FILE:LINE: what (fix: …)" and skipped.
func readExamples(path string, warn io.Writer) ([]library.Example, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, usageError("examples: %s is a directory; give a JSONL file, one {\"question\", \"answer\"} per line", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError("examples: %v", err)
	}
	defer f.Close()
	return parseExamples(path, f, warn)
}

func parseExamples(path string, r io.Reader, warn io.Writer) ([]library.Example, error) {
	var out []library.Example
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxExampleLine)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(text), &raw); err != nil {
			fmt.Fprintf(warn, "%s:%d: not a JSON object: %v (fix: write one {\"question\": \"…\", \"answer\": \"…\"} per line)\n", path, line, err)
			continue
		}
		var ex library.Example
		bad := ""
		for _, k := range []string{"question", "answer"} {
			v, ok := raw[k]
			if !ok {
				bad = fmt.Sprintf("no %q field (fix: add \"%s\": \"…\")", k, k)
				break
			}
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				bad = fmt.Sprintf("%q is not a string (fix: quote it, e.g. \"%s\": \"42\")", k, k)
				break
			}
			if strings.TrimSpace(s) == "" {
				bad = fmt.Sprintf("%q is empty (fix: give the %s's text)", k, k)
				break
			}
			if k == "question" {
				ex.Question = s
			} else {
				ex.Answer = s
			}
		}
		if bad != "" {
			fmt.Fprintf(warn, "%s:%d: %s\n", path, line, bad)
			continue
		}
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, usageError("%s:%d: line longer than %d bytes (fix: one example per line, shorter)", path, line+1, maxExampleLine)
		}
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}
