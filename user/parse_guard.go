package user

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/tool"
)

// argGuard is what a parser's arguments must look like: their number, and
// per place in them (argument 0, the elements of argument 1, key "k" of
// argument 2, …) every shape the verified examples had there. A place the
// examples never had, or a shape never seen there, is refused.
type argGuard struct {
	n      int
	places map[string]*shapeSet
}

// argShapes flattens args into the shape of each place.
func argShapes(args []any) map[string][]shape {
	out := map[string][]shape{}
	for i, a := range args {
		flattenShape(strconv.Itoa(i), a, out)
	}
	return out
}

func flattenShape(place string, v any, out map[string][]shape) {
	var sh shape
	switch x := v.(type) {
	case string:
		sh = shapeOf(x)
		sh.typ = "string"
	case bool:
		sh.typ = "bool"
	case nil:
		sh.typ = "null"
	case funcArg:
		sh.typ = "function"
	case int, int64:
		sh.typ = "int"
	case float64:
		sh.typ = "float"
	case []any:
		sh = shape{count: min(len(x), 2), typ: "list"}
		for _, e := range x {
			flattenShape(place+"[]", e, out)
		}
	case map[string]any:
		sh = shape{count: min(len(x), 2), typ: "dict"}
		for k, e := range x {
			flattenShape(place+"."+strconv.Quote(k), e, out)
		}
	default:
		sh.typ = fmt.Sprintf("%T", v)
	}
	out[place] = append(out[place], sh)
}

func (g *argGuard) add(args []any) {
	if g.places == nil {
		g.places = map[string]*shapeSet{}
	}
	g.n = len(args)
	for place, shs := range argShapes(args) {
		ss := g.places[place]
		if ss == nil {
			ss = &shapeSet{}
			g.places[place] = ss
		}
		for _, sh := range shs {
			ss.add(sh)
		}
	}
}

// check returns why args may not stand, or "".
func (g *argGuard) check(args []any) string {
	if len(args) != g.n {
		return fmt.Sprintf("parse returned %d argument(s) where the examples had %d", len(args), g.n)
	}
	for place, shs := range argShapes(args) {
		ss := g.places[place]
		if ss == nil {
			return fmt.Sprintf("argument place %s never occurred in the examples", place)
		}
		for _, sh := range shs {
			if why := ss.mismatch(sh); why != "" {
				return fmt.Sprintf("argument place %s: %s", place, why)
			}
		}
	}
	return ""
}

// parserModel is what a tool's parser was seen to handle right at solve
// time: the shapes of its arguments and of the tool's results.
type parserModel struct {
	args   argGuard
	result resultGuard
	finish bool // the parser defines finish(question, ret)
}

// parsered reports whether tl's parser may answer with no model call, and
// the shapes its guards admit; nil means no, with the reason. The verdict
// is kept per tool version. The parser must again give every usage
// example's own arguments and answer, and every validation record it
// passed at making its wanted answer: what it learns is only what it was
// seen to get right.
func (s *Solver) parsered(ctx context.Context, tl *tool.Tool) (*parserModel, string) {
	key := "parser\x00" + tl.Ref() + "\x00" + tl.Source + "\x00" + tl.Parser
	pv := s.verdict(ctx, key, func() (any, bool) {
		pm, why, err := s.learnParser(ctx, tl)
		if err != nil {
			return parserVerdict{nil, "parser not used: " + err.Error()}, false
		}
		return parserVerdict{pm, why}, true
	}).(parserVerdict)
	return pv.model, pv.why
}

type parserVerdict struct {
	model *parserModel
	why   string
}

func (s *Solver) learnParser(ctx context.Context, tl *tool.Tool) (*parserModel, string, error) {
	if len(tl.Examples) == 0 {
		return nil, "parser not used: the tool has no usage examples to check it against", nil
	}
	labelled := make([]tool.Example, 0, len(tl.Examples)+len(tl.Validation))
	for _, ex := range tl.Examples {
		labelled = append(labelled, tool.Example{Question: ex.Question, Answer: ex.Answer})
	}
	for _, v := range tl.Validation {
		if v.OK {
			labelled = append(labelled, tool.Example{Question: v.Question, Answer: v.Want})
		}
	}
	if p, err := VerifyParser(ctx, s.Runtime, tl, tl.Parser, "", labelled); err != nil || p != "" {
		return nil, "parser not used: it does not reproduce its own examples: " + p, err
	}
	finish, _, err := parserFunctions(ctx, s.Runtime, tl, tl.Parser)
	if err != nil {
		return nil, "", err
	}
	pm := &parserModel{finish: finish}
	for _, ex := range labelled {
		pr, err := runParser(ctx, s.Runtime, tl, tl.Parser, ex.Question, finish)
		if err != nil {
			return nil, "", err
		}
		if pr.problem != "" || !answer.Correct("", pr.answer, ex.Answer) {
			return nil, "parser not used: it does not reproduce its own examples", nil // VerifyParser passed, so only a nondeterministic parser gets here
		}
		pm.args.add(pr.args)
		pm.result.add(pr.answer, pr.raw)
	}
	return pm, "", nil
}

// parserAnswer tries to answer question through tl's parser. On success
// run holds the call code, result and answer. note says what was decided
// and why, for the record; err is a failure of the machinery.
func (s *Solver) parserAnswer(ctx context.Context, pm *parserModel, tl *tool.Tool, question string, run *tool.Run) (note string, ok bool, err error) {
	pr, err := runParser(ctx, s.Runtime, tl, tl.Parser, question, pm.finish)
	if err != nil {
		return "", false, err
	}
	if pr.problem != "" {
		return "parser refused: " + pr.problem, false, nil
	}
	if why := pm.args.check(pr.args); why != "" {
		return "parser refused: " + why, false, nil
	}
	if refusals := ungrounded(tl, question, pr.ground); len(refusals) > 0 {
		parts := make([]string, len(refusals))
		for i, r := range refusals {
			parts[i] = r.String()
		}
		return "parser refused: ungrounded call: " + strings.Join(parts, "; "), false, nil
	}
	if why := pm.result.check(pr.answer, pr.raw); why != "" {
		return "parser refused: " + why, false, nil
	}
	run.Code, run.RawResult, run.Answer = pr.code, pr.raw, pr.answer
	return fmt.Sprintf("parser: %d argument(s) and the result have the shapes the examples had", len(pr.args)), true, nil
}
