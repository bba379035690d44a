package tool

// A tool package is one tool version as a single .star file that a person
// can review in a pull request and that latm can import again. The file is
// the tool's Starlark source, verbatim, under a header of comment lines:
//
//	# latm tool package 1
//	#
//	# name: word_sorting
//	# entry: sort_words
//	# signature: sort_words(words)
//	# maker: gpt-4
//	# created: 2026-11-25T03:09:36.5Z
//	# description: Sort a list of words alphabetically.
//	#
//	# usage example 1
//	# question: |
//	#| Sort the following words alphabetically: List: oven costume
//	# code: |
//	#| ans = sort_words(["oven", "costume"])
//	# answer: costume oven
//	#
//	# validation: {"question":"…","want":"costume oven","got":"costume oven","ok":true}
//	#
//	# --- source ---
//	def sort_words(words):
//	    …
//
// Rules:
//   - The first line names the format and its version. The header ends at
//     the line "# --- source ---"; every byte after that line is the source.
//   - "# key: value" holds a one-line value. A value that spans lines, has
//     leading or trailing space, or is "|" is written "# key: |" followed by
//     one "#| line" per line ("#|" alone for an empty line); the value is
//     those lines joined by newlines, so every string survives exactly.
//   - Keys: name, entry, signature, maker, created (RFC 3339), description,
//     validation (repeatable, one JSON object per line), and after
//     "# usage example N" (N = 1, 2, …) that example's question, code and
//     answer. A line "#" separates sections and is otherwise ignored.
//   - Version 2 adds the key parser: Starlark defining parse(question),
//     which returns the entry function's arguments (Tool.Parser). A tool
//     without a parser is written as version 1, byte for byte as before,
//     and both versions import; a parser in a version 1 file is an error.
//   - Version 3 adds the keys schema (the JSON Schema of the entry's
//     arguments, Tool.ArgSchema), schema_from ("maker" or "derived") and
//     schema_note (why the maker's schema was refused). A tool without a
//     schema is written as version 2 or 1 as before; these keys in an
//     older version's file are an error.
//   - Not in the package: the database id, the version (the importing
//     library assigns the next one), the status (imported tools are active)
//     and the making transcript (it stays in the database that made it).
//
// EncodePackage then DecodePackage gives back every field the package
// holds, and encoding that again gives the same bytes. (Validation lines
// are JSON, so invalid UTF-8 in them comes back as U+FFFD; every other
// field survives byte for byte.)

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const (
	packageMagic  = "# latm tool package 1"
	packageMagic2 = "# latm tool package 2" // adds parser
	packageMagic3 = "# latm tool package 3" // adds schema, schema_from, schema_note
	sourceMarker  = "# --- source ---"
	examplePrefix = "# usage example "
	blockPrefix   = "#|"
)

// EncodePackage renders t as a tool package.
func EncodePackage(t *Tool) ([]byte, error) {
	if err := ValidateName(t.Name); err != nil {
		return nil, fmt.Errorf("encode package: %w", err)
	}
	var b bytes.Buffer
	switch {
	case t.ArgSchema != "" || t.ArgSchemaFrom != "" || t.ArgSchemaNote != "":
		b.WriteString(packageMagic3 + "\n#\n")
	case t.Parser != "":
		b.WriteString(packageMagic2 + "\n#\n")
	default:
		b.WriteString(packageMagic + "\n#\n")
	}
	writeField(&b, "name", t.Name)
	writeField(&b, "entry", t.Entry)
	writeField(&b, "signature", t.Signature)
	writeField(&b, "maker", t.MakerModel)
	created := ""
	if !t.CreatedAt.IsZero() {
		created = t.CreatedAt.UTC().Format(time.RFC3339Nano)
	}
	writeField(&b, "created", created)
	writeField(&b, "description", t.Description)
	if t.Parser != "" {
		writeField(&b, "parser", t.Parser)
	}
	for _, f := range []struct{ key, v string }{{"schema", t.ArgSchema}, {"schema_from", t.ArgSchemaFrom}, {"schema_note", t.ArgSchemaNote}} {
		if f.v != "" {
			writeField(&b, f.key, f.v)
		}
	}
	for i, ex := range t.Examples {
		fmt.Fprintf(&b, "#\n%s%d\n", examplePrefix, i+1)
		writeField(&b, "question", ex.Question)
		writeField(&b, "code", ex.Code)
		writeField(&b, "answer", ex.Answer)
	}
	if len(t.Validation) > 0 {
		b.WriteString("#\n")
	}
	for _, v := range t.Validation {
		j, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encode package %s: validation: %w", t.Name, err)
		}
		writeField(&b, "validation", string(j))
	}
	b.WriteString("#\n" + sourceMarker + "\n")
	b.WriteString(t.Source)
	return b.Bytes(), nil
}

func writeField(b *bytes.Buffer, key, v string) {
	inline := !strings.ContainsAny(v, "\n\r") && v == strings.TrimSpace(v) && v != "|"
	switch {
	case inline && v == "":
		b.WriteString("# " + key + ":\n")
	case inline:
		b.WriteString("# " + key + ": " + v + "\n")
	default:
		b.WriteString("# " + key + ": |\n")
		for _, line := range strings.Split(v, "\n") {
			if line == "" {
				b.WriteString(blockPrefix + "\n")
			} else {
				b.WriteString(blockPrefix + " " + line + "\n")
			}
		}
	}
}

// PackageError says which line of a package is wrong and why.
type PackageError struct {
	Line int
	Msg  string
}

func (e *PackageError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// DecodePackage parses a tool package. The tool it returns has no ID or
// version and is active; errors are *PackageError, naming the line.
func DecodePackage(data []byte) (*Tool, error) {
	text := string(data)
	first, _, _ := strings.Cut(text, "\n")
	version := map[string]int{packageMagic: 1, packageMagic2: 2, packageMagic3: 3}
	if version[first] == 0 {
		msg := fmt.Sprintf("not a latm tool package: the first line must be %q, %q or %q", packageMagic, packageMagic2, packageMagic3)
		if c := strings.TrimRight(first, "\r"); version[c] != 0 {
			msg = "the file has CRLF line endings; convert it to LF (e.g. git config core.autocrlf false)"
		}
		return nil, &PackageError{Line: 1, Msg: msg}
	}
	p := &packageParser{t: &Tool{Status: StatusActive}, topSeen: map[string]bool{}, version: version[first]}
	rest := text
	for lineNo := 1; ; lineNo++ {
		line, after, found := strings.Cut(rest, "\n")
		if !found {
			return nil, &PackageError{Line: lineNo, Msg: fmt.Sprintf("the header never ends: add the line %q before the source", sourceMarker)}
		}
		rest = after
		if lineNo == 1 {
			continue
		}
		if line == sourceMarker {
			if err := p.finish(lineNo); err != nil {
				return nil, err
			}
			if strings.TrimSpace(rest) == "" {
				return nil, &PackageError{Line: lineNo, Msg: "the source after the marker is empty"}
			}
			p.t.Source = rest
			return p.t, nil
		}
		if err := p.line(lineNo, line); err != nil {
			return nil, err
		}
	}
}

// packageParser holds the state of DecodePackage between header lines.
type packageParser struct {
	t           *Tool
	topSeen     map[string]bool // tool-level keys seen
	exampleSeen map[string]bool // keys of the current usage example seen
	example     *UsageExample   // the usage example being read, if any
	block       *string         // the value a "#|" line appends to
	blockLen    int             // lines in block so far
	created     string
	createdLine int
	version     int // the file's format version: 2 may hold a parser, 3 a schema
}

var topKeys = map[string]bool{"name": true, "entry": true, "signature": true, "maker": true, "created": true, "description": true, "validation": true, "parser": true, "schema": true, "schema_from": true, "schema_note": true}
var exampleKeys = map[string]bool{"question": true, "code": true, "answer": true}

func (p *packageParser) line(n int, line string) error {
	if line == blockPrefix || strings.HasPrefix(line, blockPrefix+" ") {
		if p.block == nil {
			return &PackageError{Line: n, Msg: `a "#|" line must follow "# key: |" or another "#|" line`}
		}
		content := strings.TrimPrefix(strings.TrimPrefix(line, blockPrefix), " ")
		if p.blockLen > 0 {
			*p.block += "\n"
		}
		*p.block += content
		p.blockLen++
		return nil
	}
	if p.block != nil && p.blockLen == 0 {
		return &PackageError{Line: n, Msg: `"# key: |" must be followed by at least one "#|" line`}
	}
	p.block = nil
	switch {
	case line == "#":
		return nil
	case strings.HasPrefix(line, examplePrefix):
		return p.startExample(n, strings.TrimPrefix(line, examplePrefix))
	case strings.HasPrefix(line, "# "):
		return p.field(n, strings.TrimPrefix(line, "# "))
	}
	return &PackageError{Line: n, Msg: fmt.Sprintf("unexpected header line %.40q: header lines start with \"# \" or \"#|\" (is %q missing before the source?)", line, sourceMarker)}
}

func (p *packageParser) startExample(n int, num string) error {
	if err := p.endExample(n); err != nil {
		return err
	}
	want := len(p.t.Examples) + 1
	if got, err := strconv.Atoi(num); err != nil || got != want {
		return &PackageError{Line: n, Msg: fmt.Sprintf("usage example %q: want number %d (examples are numbered 1, 2, … in order)", num, want)}
	}
	p.example = &UsageExample{}
	p.exampleSeen = map[string]bool{}
	return nil
}

func (p *packageParser) endExample(n int) error {
	if p.example == nil {
		return nil
	}
	for _, k := range []string{"question", "code", "answer"} {
		if !p.exampleSeen[k] {
			return &PackageError{Line: n, Msg: fmt.Sprintf("usage example %d has no %s", len(p.t.Examples)+1, k)}
		}
	}
	p.t.Examples = append(p.t.Examples, *p.example)
	p.example = nil
	return nil
}

func (p *packageParser) field(n int, kv string) error {
	key, value, ok := strings.Cut(kv, ":")
	if !ok || key == "" || strings.ContainsAny(key, " \t") {
		return &PackageError{Line: n, Msg: fmt.Sprintf("%.40q is not \"key: value\"", kv)}
	}
	value = strings.TrimPrefix(value, " ")
	if exampleKeys[key] {
		if p.example == nil {
			return &PackageError{Line: n, Msg: fmt.Sprintf("%s outside a usage example: put \"%s%d\" before it", key, examplePrefix, len(p.t.Examples)+1)}
		}
		if p.exampleSeen[key] {
			return &PackageError{Line: n, Msg: fmt.Sprintf("usage example %d: %s given twice", len(p.t.Examples)+1, key)}
		}
		p.exampleSeen[key] = true
		return p.assign(p.target(key), value)
	}
	if key == "parser" && p.version < 2 {
		return &PackageError{Line: n, Msg: fmt.Sprintf("parser needs package version 2: make the first line %q", packageMagic2)}
	}
	if strings.HasPrefix(key, "schema") && topKeys[key] && p.version < 3 {
		return &PackageError{Line: n, Msg: fmt.Sprintf("%s needs package version 3: make the first line %q", key, packageMagic3)}
	}
	if !topKeys[key] {
		return &PackageError{Line: n, Msg: fmt.Sprintf("unknown key %q (known: name, entry, signature, maker, created, description, validation, parser, schema, schema_from, schema_note; in a usage example: question, code, answer)", key)}
	}
	// A tool-level key closes the usage example before it.
	if err := p.endExample(n); err != nil {
		return err
	}
	if key == "validation" {
		var v Validation
		if err := json.Unmarshal([]byte(value), &v); err != nil {
			return &PackageError{Line: n, Msg: fmt.Sprintf("validation must be one JSON object on the line: %v", err)}
		}
		p.t.Validation = append(p.t.Validation, v)
		return nil
	}
	if p.topSeen[key] {
		return &PackageError{Line: n, Msg: fmt.Sprintf("%s given twice", key)}
	}
	p.topSeen[key] = true
	if key == "created" {
		p.createdLine = n
	}
	return p.assign(p.target(key), value)
}

// assign sets a one-line value, or starts a block for "|".
func (p *packageParser) assign(dst *string, value string) error {
	if value == "|" {
		p.block, p.blockLen = dst, 0
		return nil
	}
	*dst = value
	return nil
}

// finish checks the header as a whole once the source marker is reached.
func (p *packageParser) finish(n int) error {
	if p.block != nil && p.blockLen == 0 {
		return &PackageError{Line: n, Msg: `"# key: |" must be followed by at least one "#|" line`}
	}
	if err := p.endExample(n); err != nil {
		return err
	}
	if !p.topSeen["name"] {
		return &PackageError{Line: n, Msg: "the header has no name (add \"# name: my_tool\")"}
	}
	if err := ValidateName(p.t.Name); err != nil {
		return &PackageError{Line: n, Msg: err.Error()}
	}
	if f := p.t.ArgSchemaFrom; f != "" && f != SchemaFromMaker && f != SchemaFromDerived {
		return &PackageError{Line: n, Msg: fmt.Sprintf("schema_from %q: want %q or %q", f, SchemaFromMaker, SchemaFromDerived)}
	}
	if sc := strings.TrimSpace(p.t.ArgSchema); sc != "" && (!strings.HasPrefix(sc, "{") || !json.Valid([]byte(sc))) {
		return &PackageError{Line: n, Msg: "schema must be one JSON object (the JSON Schema of the entry's arguments)"}
	}
	if p.created != "" {
		c, err := time.Parse(time.RFC3339Nano, p.created)
		if err != nil {
			return &PackageError{Line: p.createdLine, Msg: fmt.Sprintf("created %q is not an RFC 3339 time like 2026-11-25T03:09:36Z", p.created)}
		}
		p.t.CreatedAt = c.UTC()
	}
	return nil
}

// target is where the value of key goes.
func (p *packageParser) target(key string) *string {
	switch key {
	case "name":
		return &p.t.Name
	case "entry":
		return &p.t.Entry
	case "signature":
		return &p.t.Signature
	case "maker":
		return &p.t.MakerModel
	case "created":
		return &p.created
	case "description":
		return &p.t.Description
	case "parser":
		return &p.t.Parser
	case "schema":
		return &p.t.ArgSchema
	case "schema_from":
		return &p.t.ArgSchemaFrom
	case "schema_note":
		return &p.t.ArgSchemaNote
	case "question":
		return &p.example.Question
	case "code":
		return &p.example.Code
	case "answer":
		return &p.example.Answer
	}
	panic("library: no target for package key " + key) // keys are checked against topKeys and exampleKeys first
}
