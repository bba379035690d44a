// Package re is the re module of latm's Starlark runtime: Python's re over
// Go's RE2 engine, so every match runs in linear time.
package re

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/latm/latm/starlarkrt/internal/callstate"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// Python's flag values, so code that combines them (re.I | re.M) works.
const (
	reIgnoreCase = 2
	reMultiline  = 8
	reDotAll     = 16
	reVerbose    = 64
	reASCII      = 256
)

// reModule is Python's re over Go's regexp (RE2, linear time).
//
// Differences from Python: backreferences, lookahead, lookbehind,
// conditionals and re.VERBOSE are rejected with an error saying so; \d \w
// \s match ASCII only (as with re.ASCII); $ without MULTILINE matches only
// at the very end (Python also matches before a final newline); positions
// (start, end, span, pos, endpos) count code points, as in Python; an
// empty match right after a previous match is skipped by findall,
// finditer, sub and split; finditer returns a list.
var Module = newModule()

func newModule() *starlarkstruct.Module {
	m := starlark.StringDict{
		"I": starlark.MakeInt(reIgnoreCase), "IGNORECASE": starlark.MakeInt(reIgnoreCase),
		"M": starlark.MakeInt(reMultiline), "MULTILINE": starlark.MakeInt(reMultiline),
		"S": starlark.MakeInt(reDotAll), "DOTALL": starlark.MakeInt(reDotAll),
		"X": starlark.MakeInt(reVerbose), "VERBOSE": starlark.MakeInt(reVerbose),
		"A": starlark.MakeInt(reASCII), "ASCII": starlark.MakeInt(reASCII),
		"U": starlark.MakeInt(0), "UNICODE": starlark.MakeInt(0),
	}
	m["compile"] = starlark.NewBuiltin("re.compile", reCompile)
	m["escape"] = starlark.NewBuiltin("re.escape", reEscape)
	for _, name := range []string{"match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split"} {
		name := name
		m[name] = starlark.NewBuiltin("re."+name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if len(args) == 0 {
				return nil, fmt.Errorf("re.%s: missing pattern argument", name)
			}
			// The flags argument is the last positional parameter of each.
			var flags starlark.Value
			rest := kwargs[:0:0]
			for _, kv := range kwargs {
				if string(kv[0].(starlark.String)) == "flags" {
					flags = kv[1]
				} else {
					rest = append(rest, kv)
				}
			}
			nparams := map[string]int{"sub": 5, "subn": 5, "split": 4}[name]
			if nparams == 0 {
				nparams = 3
			}
			if len(args) == nparams {
				flags, args = args[nparams-1], args[:nparams-1]
			}
			p, err := patternOf(name, args[0], flags)
			if err != nil {
				return nil, err
			}
			return p.call(thread, name, args[1:], rest)
		})
	}
	return &starlarkstruct.Module{Name: "re", Members: m}
}

// rePattern is a compiled pattern, Python's re.Pattern.
type rePattern struct {
	pattern string
	flags   int
	re      *regexp.Regexp // unanchored
	once    sync.Once
	anch    *regexp.Regexp // anchored at the start (match)
	full    *regexp.Regexp // anchored at both ends (fullmatch)
}

var (
	reCacheMu sync.Mutex
	reCache   = map[[2]string]*rePattern{}
)

// patternOf returns v as a compiled pattern: v is a string or a Pattern.
func patternOf(fname string, v, flags starlark.Value) (*rePattern, error) {
	f := 0
	if flags != nil && flags != starlark.None {
		if err := starlark.AsInt(flags, &f); err != nil {
			return nil, fmt.Errorf("re.%s: flags must be an int (re.I | re.M ...), got %s", fname, flags.Type())
		}
	}
	switch v := v.(type) {
	case *rePattern:
		if f != 0 && f != v.flags {
			return nil, fmt.Errorf("re.%s: cannot pass flags with a compiled pattern", fname)
		}
		return v, nil
	case starlark.String:
		return compilePattern(string(v), f)
	}
	return nil, fmt.Errorf("re.%s: pattern must be a string, got %s", fname, v.Type())
}

func compilePattern(pat string, flags int) (*rePattern, error) {
	key := [2]string{pat, strconv.Itoa(flags)}
	reCacheMu.Lock()
	p, ok := reCache[key]
	reCacheMu.Unlock()
	if ok {
		return p, nil
	}
	goPat, err := translatePattern(pat, flags)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(goPat)
	if err != nil {
		return nil, fmt.Errorf("re: invalid pattern %q: %v", pat, err)
	}
	p = &rePattern{pattern: pat, flags: flags, re: re}
	reCacheMu.Lock()
	if len(reCache) > 1000 {
		clear(reCache)
	}
	reCache[key] = p
	reCacheMu.Unlock()
	return p, nil
}

func (p *rePattern) anchored() (*regexp.Regexp, *regexp.Regexp) {
	p.once.Do(func() {
		src := p.re.String()
		p.anch = regexp.MustCompile(`\A(?:` + src + `)`)
		p.full = regexp.MustCompile(`\A(?:` + src + `)\z`)
	})
	return p.anch, p.full
}

// translatePattern rewrites Python regular-expression syntax into RE2's,
// and rejects what RE2 cannot do with an error that says how to proceed.
func translatePattern(pat string, flags int) (string, error) {
	unsupported := func(what string) error {
		return fmt.Errorf("re: %s is not supported (patterns run on RE2, linear time); rewrite without it: pattern %q", what, pat)
	}
	if flags&reVerbose != 0 {
		return "", unsupported("re.VERBOSE")
	}
	var b strings.Builder
	if f := flagLetters(flags); f != "" {
		b.WriteString("(?" + f + ")")
	}
	inClass := false
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch {
		case c == '\\':
			if i+1 >= len(pat) {
				return "", fmt.Errorf("re: pattern %q ends with a lone backslash", pat)
			}
			d := pat[i+1]
			i++
			switch {
			case d >= '1' && d <= '9' && !inClass:
				return "", unsupported(`the backreference \` + string(d))
			case d == 'Z':
				b.WriteString(`\z`)
			case d == 'u' || d == 'U':
				n := 4
				if d == 'U' {
					n = 8
				}
				if i+n >= len(pat) {
					return "", fmt.Errorf(`re: pattern %q: \%c needs %d hex digits`, pat, d, n)
				}
				b.WriteString(`\x{` + pat[i+1:i+1+n] + `}`)
				i += n
			case d < 0x80 && !isASCIILetterOrDigit(d) && !isASCIIPunct(d):
				// Python allows escaping any character, e.g. "\ ".
				b.WriteString(regexp.QuoteMeta(string(d)))
			default:
				b.WriteByte('\\')
				b.WriteByte(d)
			}
		case inClass:
			if c == ']' {
				inClass = false
			}
			b.WriteByte(c)
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// A ] right after [ or [^ is literal.
			if i+1 < len(pat) && pat[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(pat) && pat[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
		case c == '(' && strings.HasPrefix(pat[i:], "(?"):
			rest := pat[i:]
			switch {
			case strings.HasPrefix(rest, "(?<="):
				return "", unsupported("lookbehind (?<=...)")
			case strings.HasPrefix(rest, "(?<!"):
				return "", unsupported("negative lookbehind (?<!...)")
			case strings.HasPrefix(rest, "(?="):
				return "", unsupported("lookahead (?=...)")
			case strings.HasPrefix(rest, "(?!"):
				return "", unsupported("negative lookahead (?!...)")
			case strings.HasPrefix(rest, "(?P="):
				return "", unsupported("the backreference (?P=name)")
			case strings.HasPrefix(rest, "(?("):
				return "", unsupported("the conditional (?(group)...)")
			case strings.HasPrefix(rest, "(?>"):
				return "", unsupported("the atomic group (?>...)")
			case strings.HasPrefix(rest, "(?#"):
				end := strings.IndexByte(rest, ')')
				if end < 0 {
					return "", fmt.Errorf("re: pattern %q: unterminated comment (?#...", pat)
				}
				i += end
			default:
				// Inline flags: drop a, u, L (no effect on RE2); reject x.
				j := i + 2
				for j < len(pat) && strings.IndexByte("aiLmsux-", pat[j]) >= 0 {
					j++
				}
				if j < len(pat) && (pat[j] == ')' || pat[j] == ':') && j > i+2 {
					fl := pat[i+2 : j]
					if strings.Contains(fl, "x") {
						return "", unsupported("verbose mode (?x)")
					}
					fl = strings.NewReplacer("a", "", "u", "", "L", "").Replace(fl)
					if fl == "" || fl == "-" {
						if pat[j] == ')' {
							i = j
							continue
						}
						b.WriteString("(?:")
					} else {
						b.WriteString("(?" + fl + string(pat[j]))
					}
					i = j
					continue
				}
				b.WriteString("(?")
				i++
			}
		case c == '{' && strings.HasPrefix(pat[i:], "{,"):
			// Python's {,n} is {0,n}.
			j := i + 2
			for j < len(pat) && pat[j] >= '0' && pat[j] <= '9' {
				j++
			}
			if j > i+2 && j < len(pat) && pat[j] == '}' {
				b.WriteString("{0," + pat[i+2:j] + "}")
				i = j
			} else {
				b.WriteString(`\{`)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func flagLetters(flags int) string {
	s := ""
	if flags&reIgnoreCase != 0 {
		s += "i"
	}
	if flags&reMultiline != 0 {
		s += "m"
	}
	if flags&reDotAll != 0 {
		s += "s"
	}
	return s
}

func isASCIILetterOrDigit(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isASCIIPunct(c byte) bool {
	return c > ' ' && c < 0x7f && !isASCIILetterOrDigit(c)
}

func reCompile(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pat, flags starlark.Value
	if err := starlark.UnpackArgs("compile", args, kwargs, "pattern", &pat, "flags?", &flags); err != nil {
		return nil, err
	}
	return patternOf("compile", pat, flags)
}

// reEscape escapes the characters Python's re.escape does.
func reEscape(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	if err := starlark.UnpackPositionalArgs("escape", args, kwargs, 1, &s); err != nil {
		return nil, err
	}
	if err := callstate.ChargeBytes(thread, len(s)); err != nil {
		return nil, err
	}
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && strings.ContainsRune("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return starlark.String(b.String()), nil
}

var _ starlark.HasAttrs = (*rePattern)(nil)

func (p *rePattern) String() string        { return "re.compile(" + starlark.String(p.pattern).String() + ")" }
func (p *rePattern) Type() string          { return "re.Pattern" }
func (p *rePattern) Freeze()               {}
func (p *rePattern) Truth() starlark.Bool  { return true }
func (p *rePattern) Hash() (uint32, error) { return starlark.String(p.pattern).Hash() }

var patternMethods = []string{"findall", "finditer", "fullmatch", "match", "search", "split", "sub", "subn"}

// Attr returns the pattern's methods and attributes.
func (p *rePattern) Attr(name string) (starlark.Value, error) {
	switch name {
	case "pattern":
		return starlark.String(p.pattern), nil
	case "flags":
		return starlark.MakeInt(p.flags), nil
	case "groups":
		return starlark.MakeInt(p.re.NumSubexp()), nil
	case "groupindex":
		d := starlark.NewDict(0)
		for i, n := range p.re.SubexpNames() {
			if n != "" {
				_ = d.SetKey(starlark.String(n), starlark.MakeInt(i))
			}
		}
		return d, nil
	}
	for _, m := range patternMethods {
		if m == name {
			return starlark.NewBuiltin(name, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
				return p.call(thread, name, args, kwargs)
			}), nil
		}
	}
	return nil, nil
}

// AttrNames lists the pattern's attributes.
func (p *rePattern) AttrNames() []string {
	return append([]string{"flags", "groupindex", "groups", "pattern"}, patternMethods...)
}

// call runs method name of the pattern with the arguments that follow the
// pattern in the module-level function.
func (p *rePattern) call(thread *starlark.Thread, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	switch name {
	case "match", "search", "fullmatch":
		var s string
		pos, endpos := 0, -1
		if err := starlark.UnpackArgs(name, args, kwargs, "string", &s, "pos?", &pos, "endpos?", &endpos); err != nil {
			return nil, err
		}
		if err := callstate.ChargeBytes(thread, len(s)); err != nil {
			return nil, err
		}
		pos, endpos = clampRunePos(s, pos, endpos)
		sub := s[pos:endpos]
		re := p.re
		if name != "search" {
			anch, full := p.anchored()
			re = anch
			if name == "fullmatch" {
				re = full
			}
		}
		loc := re.FindStringSubmatchIndex(sub)
		if loc == nil {
			return starlark.None, nil
		}
		return p.newMatch(s, loc, pos), nil
	case "findall", "finditer":
		var s string
		pos, endpos := 0, -1
		if err := starlark.UnpackArgs(name, args, kwargs, "string", &s, "pos?", &pos, "endpos?", &endpos); err != nil {
			return nil, err
		}
		pos, endpos = clampRunePos(s, pos, endpos)
		locs, err := p.findAll(thread, s[pos:endpos], -1)
		if err != nil {
			return nil, err
		}
		out := make([]starlark.Value, len(locs))
		for i, loc := range locs {
			m := p.newMatch(s, loc, pos)
			if name == "finditer" {
				out[i] = m
				continue
			}
			switch n := p.re.NumSubexp(); n {
			case 0:
				out[i] = m.group(0, starlark.String(""))
			case 1:
				out[i] = m.group(1, starlark.String(""))
			default:
				t := make(starlark.Tuple, n)
				for g := range t {
					t[g] = m.group(g+1, starlark.String(""))
				}
				out[i] = t
			}
		}
		return starlark.NewList(out), nil
	case "sub", "subn":
		var repl starlark.Value
		var s string
		count := 0
		if err := starlark.UnpackArgs(name, args, kwargs, "repl", &repl, "string", &s, "count?", &count); err != nil {
			return nil, err
		}
		out, n, err := p.sub(thread, repl, s, count)
		if err != nil {
			return nil, err
		}
		if name == "subn" {
			return starlark.Tuple{starlark.String(out), starlark.MakeInt(n)}, nil
		}
		return starlark.String(out), nil
	case "split":
		var s string
		maxsplit := 0
		if err := starlark.UnpackArgs(name, args, kwargs, "string", &s, "maxsplit?", &maxsplit); err != nil {
			return nil, err
		}
		if maxsplit <= 0 {
			maxsplit = -1
		}
		locs, err := p.findAll(thread, s, maxsplit)
		if err != nil {
			return nil, err
		}
		var out []starlark.Value
		last := 0
		for _, loc := range locs {
			out = append(out, starlark.String(s[last:loc[0]]))
			for g := 1; g <= p.re.NumSubexp(); g++ {
				if loc[2*g] < 0 {
					out = append(out, starlark.None)
				} else {
					out = append(out, starlark.String(s[loc[2*g]:loc[2*g+1]]))
				}
			}
			last = loc[1]
		}
		out = append(out, starlark.String(s[last:]))
		return starlark.NewList(out), nil
	}
	return nil, fmt.Errorf("re: no method %s", name)
}

func clampPos(pos, endpos, n int) (int, int) {
	if endpos < 0 || endpos > n {
		endpos = n
	}
	pos = max(0, min(pos, endpos))
	return pos, endpos
}

// findAll returns up to n (all if n < 0) match locations, charging steps
// for the input and for each match.
func (p *rePattern) findAll(thread *starlark.Thread, s string, n int) ([][]int, error) {
	if err := callstate.ChargeBytes(thread, len(s)); err != nil {
		return nil, err
	}
	// Each match costs a step, and Go's regexp finds them all in one call
	// that cannot be interrupted: ask for no more than the steps left
	// allow (and 48 bytes each, within the memory limit), plus one to know
	// the limit was passed.
	if left, ok := callstate.StepsLeft(thread); ok && (n < 0 || uint64(n) > left) {
		n = int(min(left, 1<<40)) + 1
	}
	locs := p.re.FindAllStringSubmatchIndex(s, n)
	if err := callstate.ChargeAlloc(thread, callstate.Mul(int64(len(locs)), 48)); err != nil {
		return nil, err
	}
	if err := callstate.ChargeSteps(thread, uint64(len(locs))); err != nil {
		return nil, err
	}
	return locs, nil
}

// sub replaces up to count (all if 0) matches in s by repl, a template
// string (\1, \g<1>, \g<name>, \n ...) or a function of the match.
func (p *rePattern) sub(thread *starlark.Thread, repl starlark.Value, s string, count int) (string, int, error) {
	var tmpl []replPart
	switch r := repl.(type) {
	case starlark.String:
		var err error
		if tmpl, err = parseRepl(string(r), p); err != nil {
			return "", 0, err
		}
	case starlark.Callable:
	default:
		return "", 0, fmt.Errorf("re.sub: repl must be a string or a function of the match, got %s", repl.Type())
	}
	if count <= 0 {
		count = -1
	}
	locs, err := p.findAll(thread, s, count)
	if err != nil {
		return "", 0, err
	}
	var b strings.Builder
	last := 0
	for _, loc := range locs {
		b.WriteString(s[last:loc[0]])
		last = loc[1]
		if tmpl == nil {
			v, err := starlark.Call(thread, repl, starlark.Tuple{p.newMatch(s, loc, 0)}, nil)
			if err != nil {
				return "", 0, err
			}
			str, ok := v.(starlark.String)
			if !ok {
				return "", 0, fmt.Errorf("re.sub: the repl function must return a string, got %s", v.Type())
			}
			b.WriteString(string(str))
			continue
		}
		for _, part := range tmpl {
			if part.group < 0 {
				b.WriteString(part.lit)
			} else if loc[2*part.group] >= 0 {
				b.WriteString(s[loc[2*part.group]:loc[2*part.group+1]])
			}
		}
		if b.Len() > 1<<20 {
			if err := callstate.ChargeBytes(thread, b.Len()/64); err != nil {
				return "", 0, err
			}
			if err := callstate.CheckAlloc(thread, int64(b.Cap())); err != nil {
				return "", 0, err
			}
		}
	}
	b.WriteString(s[last:])
	if err := callstate.ChargeBytes(thread, b.Len()); err != nil {
		return "", 0, err
	}
	return b.String(), len(locs), nil
}

// replPart is a literal (group < 0) or a group reference of a template.
type replPart struct {
	lit   string
	group int
}

// parseRepl parses Python's replacement template syntax.
func parseRepl(r string, p *rePattern) ([]replPart, error) {
	parts := []replPart{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, replPart{lit: lit.String(), group: -1})
			lit.Reset()
		}
	}
	ngroups := p.re.NumSubexp()
	for i := 0; i < len(r); i++ {
		if r[i] != '\\' {
			lit.WriteByte(r[i])
			continue
		}
		if i+1 >= len(r) {
			return nil, fmt.Errorf("re.sub: replacement %q ends with a lone backslash (write \\\\ for one)", r)
		}
		i++
		d := r[i]
		switch {
		case d >= '0' && d <= '9':
			j := i + 1
			if j < len(r) && r[j] >= '0' && r[j] <= '9' {
				j++
			}
			g, _ := strconv.Atoi(r[i:j])
			if g > ngroups {
				return nil, fmt.Errorf("re.sub: replacement %q refers to group %d, but the pattern has %d", r, g, ngroups)
			}
			flush()
			parts = append(parts, replPart{group: g})
			i = j - 1
		case d == 'g':
			end := strings.IndexByte(r[i:], '>')
			if i+1 >= len(r) || r[i+1] != '<' || end < 0 {
				return nil, fmt.Errorf(`re.sub: replacement %q: \g must be followed by <name> or <number>`, r)
			}
			name := r[i+2 : i+end]
			g, err := strconv.Atoi(name)
			if err != nil {
				g = p.re.SubexpIndex(name)
				if g < 0 {
					return nil, fmt.Errorf("re.sub: replacement %q refers to unknown group name %q", r, name)
				}
			} else if g > ngroups {
				return nil, fmt.Errorf("re.sub: replacement %q refers to group %d, but the pattern has %d", r, g, ngroups)
			}
			flush()
			parts = append(parts, replPart{group: g})
			i += end
		case d == 'n':
			lit.WriteByte('\n')
		case d == 't':
			lit.WriteByte('\t')
		case d == 'r':
			lit.WriteByte('\r')
		case d == '\\':
			lit.WriteByte('\\')
		default:
			if isASCIILetterOrDigit(d) {
				return nil, fmt.Errorf(`re.sub: replacement %q: bad escape \%c`, r, d)
			}
			lit.WriteByte('\\')
			lit.WriteByte(d)
		}
	}
	flush()
	return parts, nil
}
