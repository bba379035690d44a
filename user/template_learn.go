package user

import (
	"context"
	"errors"
	"fmt"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// templated reports whether tool earns the template path (template_path.go)
// and if so the patterns and shapes its guards admit; the verdict is kept
// per tool version. A nil model means no.
func (s *Solver) templated(ctx context.Context, tl *tool.Tool, src starlarkrt.Source) *templateModel {
	return s.verdict(ctx, tl.Ref()+"\x00"+tl.Source, func() (any, bool) {
		tm := &templateModel{}
		if len(tl.Examples) >= 2 {
			for i := range tl.Examples {
				if p := s.learnPattern(ctx, tl.Examples, i, src, &tm.result); p != nil {
					tm.patterns = append(tm.patterns, p)
				}
			}
		}
		if len(tm.patterns) == 0 {
			tm = nil
		}
		return tm, true
	}).(*templateModel)
}

// learnPattern returns usage example i's question as a cross-checked
// pattern (see the top of template_path.go), or nil; the results it was
// seen to give right are added to results.
func (s *Solver) learnPattern(ctx context.Context, examples []tool.UsageExample, i int, src starlarkrt.Source, results *resultGuard) *pattern {
	a := examples[i]
	slots, fixed := slotsOf(a)
	// A tool that needs a large share of the sandbox's steps on its own
	// examples would be slow offline and could fail by limit on a larger
	// instance: such runs do not count as right (the model is asked).
	budget := s.Runtime.Limits().MaxSteps
	if budget == 0 {
		budget = starlarkrt.DefaultMaxSteps
	}
	budget /= 10
	right := func(p *pattern, b tool.UsageExample) (map[int]string, string, string, bool) {
		caps, _, got, raw, steps, err := s.attemptPattern(ctx, p, a, src, b.Question)
		if err != nil || steps > budget || !answer.Correct("", got, b.Answer) {
			return nil, "", "", false
		}
		return caps, got, raw, true
	}
	// The example's own question through its slots must give its own
	// answer before anything else is tried (a tool that fails its own
	// example costs one run, not one per pair).
	if p, ok := newPattern(i, a.Question, append([]part(nil), slots...)); !ok {
		return nil
	} else if _, _, _, ok := right(p, a); !ok {
		return nil
	}
	// Text that differs from another example's question and that no
	// literal comes from is ignored only where that was seen to be right.
	var ign []part
	for j, b := range examples {
		if j == i {
			continue
		}
		w, ok := ignoredAgainst(a.Question, b.Question, slots)
		if !ok || len(w) == 0 {
			continue
		}
		p, ok := newPattern(i, a.Question, append(append([]part(nil), slots...), w...))
		if !ok {
			continue
		}
		if _, _, _, ok := right(p, b); ok {
			ign = append(ign, w...)
		}
	}
	p, ok := newPattern(i, a.Question, append(append([]part(nil), slots...), ign...))
	if !ok {
		return nil
	}
	// The cross-check: the example's own question and every other one the
	// pattern fits give their answers, and at least one other fits.
	type seen struct {
		question, got, raw string
	}
	var matched []seen
	others := 0
	for j, b := range examples {
		if p.match(b.Question) == nil {
			if j == i {
				return nil
			}
			continue
		}
		_, got, raw, ok := right(p, b)
		if !ok {
			return nil
		}
		matched = append(matched, seen{b.Question, got, raw})
		if j != i {
			others++
		}
	}
	if others == 0 {
		return nil
	}
	// A slot whose text never varied was not tested: it is constant text.
	var varied []part
	for k, pt := range p.parts {
		if pt.kind == constText {
			continue
		}
		own := a.Question[pt.start:pt.end]
		for _, m := range matched {
			if p.match(m.question)[k] != own {
				varied = append(varied, pt)
				break
			}
		}
	}
	if p, ok = newPattern(i, a.Question, varied); !ok {
		return nil
	}
	// A literal left as it is must not also be written in varying text:
	// the template could not tell where it came from.
	for _, pt := range p.parts {
		if pt.kind == constText {
			continue
		}
		for _, f := range fixed {
			if !textLike(f.value) {
				continue
			}
			for _, at := range occurrences(a.Question, f.value, f.num) {
				if at < pt.end && pt.start < at+len(f.value) {
					return nil
				}
			}
		}
	}
	// The shapes each variable part was seen with, and the results.
	for k := range p.parts {
		pt := &p.parts[k]
		if pt.kind == constText {
			continue
		}
		for _, m := range matched {
			texts, ok := pt.texts(p.match(m.question)[k])
			if !ok {
				return nil
			}
			if pt.shapes == nil {
				pt.shapes = make([]*shapeSet, len(texts))
				for n := range pt.shapes {
					pt.shapes[n] = &shapeSet{}
				}
			}
			for n, vals := range texts {
				for _, v := range vals {
					pt.shapes[n].add(shapeOf(v))
				}
			}
		}
	}
	for _, m := range matched {
		results.add(m.got, m.raw)
	}
	return p
}

// mismatch returns why the captured texts do not have the shapes the
// pattern's parts were seen with, or "".
func (p *pattern) mismatch(caps map[int]string) string {
	for k, pt := range p.parts {
		text, ok := caps[k]
		if !ok {
			continue
		}
		texts, ok := pt.texts(text)
		if !ok {
			return fmt.Sprintf("usage example %d, %s: %.40q is not a list written as the example's", p.example+1, pt.describe(), text)
		}
		for n, vals := range texts {
			for _, v := range vals {
				if why := pt.shapes[n].mismatch(shapeOf(v)); why != "" {
					what := "text"
					switch {
					case pt.kind == listSlot && n == len(texts)-1:
						what, v = "number of items", fmt.Sprint(len(texts[0]))
					case pt.kind == listSlot:
						what = fmt.Sprintf("item value %d", n+1)
					}
					return fmt.Sprintf("usage example %d, %s, %s %.40q has %s", p.example+1, pt.describe(), what, v, why)
				}
			}
		}
	}
	return ""
}

func (pt *part) describe() string {
	switch pt.kind {
	case scalarSlot:
		return fmt.Sprintf("the slot of literal %s", pt.atomsText())
	case listSlot:
		return "the slot of a list literal"
	}
	return "ignored text"
}

func (pt *part) atomsText() string {
	if len(pt.atoms) == 0 {
		return ""
	}
	a := pt.atoms[0]
	if a.num {
		return a.value
	}
	return fmt.Sprintf("%.30q", a.value)
}

// templateAnswer tries to answer question with no model call: the first
// pattern it fits whose parts pass the shape guards is run, and its result
// must pass the result guard. On success run holds the code, result and
// answer. note says what was decided and why, for the record; err is a
// failure of the machinery.
func (s *Solver) templateAnswer(ctx context.Context, tm *templateModel, examples []tool.UsageExample, toolSrc starlarkrt.Source, question string, run *tool.Run) (note string, ok bool, err error) {
	var refusal string
	for _, p := range tm.patterns {
		caps := p.match(question)
		if caps == nil {
			continue
		}
		why := p.mismatch(caps)
		code, written := "", false
		if why == "" {
			if code, written = p.code(examples[p.example].Code, caps); !written {
				why = fmt.Sprintf("usage example %d: the question's text cannot be written as the code's literals", p.example+1)
			}
		}
		if why != "" {
			if refusal == "" {
				refusal = why
			}
			continue
		}
		failure := attemptOnce(ctx, s.Runtime, toolSrc, question, "```starlark\n"+code+"\n```", run)
		var mach *machineryError
		if errors.As(failure, &mach) {
			return "", false, mach.err
		}
		if failure != nil {
			return fmt.Sprintf("template refused: the call from usage example %d failed: %v", p.example+1, failure), false, nil
		}
		if why := tm.result.check(run.Answer, run.RawResult); why != "" {
			return "template refused: " + why, false, nil
		}
		slots := 0
		for _, pt := range p.parts {
			if pt.kind == scalarSlot || pt.kind == listSlot {
				slots++
			}
		}
		return fmt.Sprintf("template of usage example %d: %d slot(s), the ignored text and the result have the shapes the examples had", p.example+1, slots), true, nil
	}
	if refusal == "" {
		return "template: the question fits no usage example's pattern", false, nil
	}
	return "template refused: " + refusal, false, nil
}
