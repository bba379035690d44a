package starlarkrt

// The try statement and the loop else, as transformPython builds them.

import (
	"strconv"

	"go.starlark.net/syntax"
)

// flowFlags records which jumps out of a try part occur.
type flowFlags struct{ ret, brk, cont bool }

// try rewrites a try statement: the marker if holding the body, its chain
// of handlers and its else, and the finally marker if (or nil) into
//
//	def latm.tN(): body
//	def latm.tNh1(latm.exc): e = latm.exc; handler
//	latm.rN = latm.try(latm.tN, (Spec1, latm.tNh1, …), else or None, finally or None)
//	if latm.rN != None: break / continue / return latm.unret(latm.rN)
func (t *pyTransform) try(s, fin *syntax.IfStmt, c *ctx) []syntax.Stmt {
	pos := s.If
	base := t.fresh("t")
	var out []syntax.Stmt
	var flow flowFlags
	def := func(name string, params []syntax.Expr, body []syntax.Stmt) syntax.Expr {
		body = t.flow(body, 0, &flow)
		if len(body) == 0 {
			body = []syntax.Stmt{&syntax.BranchStmt{Token: syntax.PASS, TokenPos: pos}}
		}
		out = append(out, &syntax.DefStmt{Def: pos, Name: ident(name, pos), Params: params, Body: body})
		return ident(name, pos)
	}
	body := def(base, nil, t.stmts(s.True, c))
	var handlers []syntax.Expr
	cur := s
	for len(cur.False) == 1 && isExceptIf(cur.False[0]) {
		cur = cur.False[0].(*syntax.IfStmt)
		mc, _ := markerCall(cur.Cond, exceptMarker)
		var spec syntax.Expr = ident("None", cur.If)
		if len(mc.Args) >= 1 {
			spec = t.expr(mc.Args[0], c)
		}
		hc := &ctx{scope: c.scope, env: c.env, inHandler: true}
		var hb []syntax.Stmt
		if len(mc.Args) == 2 {
			if n, ok := litString(mc.Args[1]); ok {
				hb = append(hb, assign(t.target(ident(n, cur.If), c), ident(excVarName, cur.If)))
			}
		}
		hb = append(hb, t.stmts(cur.True, hc)...)
		h := def(base+"h"+strconv.Itoa(len(handlers)/2+1), []syntax.Expr{ident(excVarName, cur.If)}, hb)
		handlers = append(handlers, spec, h)
	}
	var orelse, final syntax.Expr = ident("None", pos), ident("None", pos)
	if len(cur.False) > 0 {
		if len(handlers) == 0 {
			t.fail(cur.ElsePos, "else in a try statement needs an except clause")
		}
		orelse = def(base+"e", nil, t.stmts(cur.False, c))
	}
	if fin != nil {
		final = def(base+"f", nil, t.stmts(fin.True, c))
	}
	if len(handlers) == 0 && fin == nil {
		t.fail(pos, "try needs an except or finally clause")
	}
	tryCall := mkCall(tryName, pos, body, &syntax.TupleExpr{Lparen: pos, List: handlers, Rparen: pos}, orelse, final)
	if !flow.ret && !flow.brk && !flow.cont {
		return append(out, &syntax.ExprStmt{X: tryCall})
	}
	r := t.fresh("r")
	out = append(out, assign(ident(r, pos), tryCall))
	var act []syntax.Stmt
	jump := func(marker string, tok syntax.Token) {
		act = append(act, &syntax.IfStmt{If: pos,
			Cond: &syntax.BinaryExpr{OpPos: pos, Op: syntax.EQL, X: ident(r, pos), Y: ident(marker, pos)},
			True: []syntax.Stmt{&syntax.BranchStmt{Token: tok, TokenPos: pos}}})
	}
	if flow.brk {
		jump(breakName, syntax.BREAK)
	}
	if flow.cont {
		jump(continueName, syntax.CONTINUE)
	}
	if flow.ret {
		act = append(act, &syntax.ReturnStmt{Return: pos, Result: mkCall(unretName, pos, ident(r, pos))})
	}
	return append(out, &syntax.IfStmt{If: pos,
		Cond: &syntax.BinaryExpr{OpPos: pos, Op: syntax.NEQ, X: ident(r, pos), Y: ident("None", pos)},
		True: act})
}

// flow turns the jumps of a try part that leave it (return; break and
// continue outside the part's own loops) into returns of a marker.
func (t *pyTransform) flow(list []syntax.Stmt, loops int, f *flowFlags) []syntax.Stmt {
	for i, s := range list {
		switch s := s.(type) {
		case *syntax.ReturnStmt:
			var v syntax.Expr = s.Result
			if v == nil {
				v = ident("None", s.Return)
			}
			s.Result = mkCall(retName, s.Return, v)
			f.ret = true
		case *syntax.BranchStmt:
			if loops > 0 {
				continue
			}
			switch s.Token {
			case syntax.BREAK:
				list[i] = &syntax.ReturnStmt{Return: s.TokenPos, Result: ident(breakName, s.TokenPos)}
				f.brk = true
			case syntax.CONTINUE:
				list[i] = &syntax.ReturnStmt{Return: s.TokenPos, Result: ident(continueName, s.TokenPos)}
				f.cont = true
			}
		case *syntax.IfStmt:
			s.True = t.flow(s.True, loops, f)
			s.False = t.flow(s.False, loops, f)
		case *syntax.ForStmt:
			s.Body = t.flow(s.Body, loops+1, f)
		case *syntax.WhileStmt:
			s.Body = t.flow(s.Body, loops+1, f)
		}
	}
	return list
}

// loopElse attaches the else marker s to the loop that ends out: the else
// body runs after the loop unless one of the loop's own breaks ran.
func (t *pyTransform) loopElse(out []syntax.Stmt, s *syntax.IfStmt, c *ctx) []syntax.Stmt {
	var body *[]syntax.Stmt
	if len(out) > 0 {
		switch l := out[len(out)-1].(type) {
		case *syntax.ForStmt:
			body = &l.Body
		case *syntax.WhileStmt:
			body = &l.Body
		}
	}
	if body == nil {
		t.fail(s.If, "else does not follow a for or while loop")
		return out
	}
	elseBody := t.stmts(s.True, c)
	flag := t.fresh("b")
	found := false
	*body = markBreaks(*body, flag, &found)
	if !found {
		return append(out, elseBody...)
	}
	loop := out[len(out)-1]
	out = append(out[:len(out)-1], assign(ident(flag, s.If), ident("False", s.If)), loop)
	return append(out, &syntax.IfStmt{If: s.If,
		Cond: &syntax.UnaryExpr{OpPos: s.If, Op: syntax.NOT, X: ident(flag, s.If)},
		True: elseBody})
}

// markBreaks sets flag before each break of the loop whose body is list.
func markBreaks(list []syntax.Stmt, flag string, found *bool) []syntax.Stmt {
	var out []syntax.Stmt
	for _, s := range list {
		switch s := s.(type) {
		case *syntax.BranchStmt:
			if s.Token == syntax.BREAK {
				*found = true
				out = append(out, assign(ident(flag, s.TokenPos), ident("True", s.TokenPos)))
			}
		case *syntax.IfStmt:
			s.True = markBreaks(s.True, flag, found)
			s.False = markBreaks(s.False, flag, found)
		}
		out = append(out, s)
	}
	return out
}
