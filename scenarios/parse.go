package scenarios

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/faceid-emulator/faceid-emulator/scenarios/internal/schema"
	"go.yaml.in/yaml/v3"
)

//go:embed schema.json
var schemaJSON []byte

// SchemaURL is the $id of schema.json.
const SchemaURL = "https://github.com/faceid-emulator/faceid-emulator/scenarios/schema.json"

// SchemaJSON returns the JSON Schema of scenario files (a copy of schema.json).
func SchemaJSON() []byte { return bytes.Clone(schemaJSON) }

// Limits of one YAML document, to keep hostile input (alias bombs, deep
// nesting) cheap.
const (
	maxNodes = 200000
	maxDepth = 64
)

// Parser parses and checks scenario files. It holds the compiled schema:
// build one with NewParser and reuse it; it is safe for concurrent use.
type Parser struct {
	schema *schema.Schema
	// trusted skips the schema for input already validated against it
	// (the embedded library), and the semantic checks that need an API
	// spec; the library's tests run both.
	trusted bool
}

// NewParser compiles the embedded schema (well under a millisecond; see
// package scenarios/internal/schema for why it is not a general JSON Schema
// library).
func NewParser() (*Parser, error) {
	sch, err := schema.Compile(schemaJSON)
	if err != nil {
		return nil, fmt.Errorf("scenarios: schema.json: %w", err)
	}
	return &Parser{schema: sch}, nil
}

// Parse parses one file's bytes with a fresh Parser; see Parser.Parse.
func Parse(file string, data []byte) ([]*Scenario, []Problem) {
	ps, err := NewParser()
	if err != nil {
		return nil, []Problem{{File: file, Reason: err.Error()}}
	}
	return ps.Parse(file, data)
}

// Parse parses one file (YAML): one scenario mapping or {scenarios: [...]}
// per YAML document, documents separated by ---. It checks the schema and
// the semantic rules and returns the scenarios without problems, and every
// problem with the line of the offending node. Source and Line of the
// returned scenarios are set (Source = file).
func (ps *Parser) Parse(file string, data []byte) (scs []*Scenario, probs []Problem) {
	defer func() {
		if r := recover(); r != nil {
			scs = nil
			probs = append(probs, Problem{File: file, Reason: fmt.Sprintf("internal error while parsing: %v", r)})
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	docs := 0
	var names []nameAt
	for {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, msg := yamlError(err)
			probs = append(probs, Problem{File: file, Line: line, Reason: msg})
			break
		}
		n := &root
		if n.Kind == yaml.DocumentNode {
			if len(n.Content) == 0 {
				continue
			}
			n = n.Content[0]
		}
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
			continue // empty document
		}
		docs++
		s, nm, pr := ps.parseDoc(file, n)
		scs = append(scs, s...)
		names = append(names, nm...)
		probs = append(probs, pr...)
	}
	if docs == 0 && len(probs) == 0 {
		probs = append(probs, Problem{File: file, Reason: "no scenario in file"})
	}
	// Duplicate names inside the file, valid scenarios or not.
	first := map[string]nameAt{}
	for _, n := range names {
		if f, dup := first[n.name]; dup {
			probs = append(probs, Problem{File: file, Line: n.line,
				Reason: fmt.Sprintf("duplicate scenario name %q (first defined at line %d)", n.name, f.line)})
			continue
		}
		first[n.name] = n
	}
	kept := scs[:0]
	for _, s := range scs {
		if f := first[s.Name]; s.pos == nil || (f.line == s.pos.name && f.col == s.pos.nameCol) {
			kept = append(kept, s)
		}
	}
	scs = kept
	sortProblems(probs)
	if len(scs) == 0 {
		scs = nil
	}
	return scs, probs
}

func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Line != ps[j].Line {
			return ps[i].Line < ps[j].Line
		}
		return ps[i].Reason < ps[j].Reason
	})
}

// yamlError extracts the line of a yaml.v3 syntax error. yaml.v3 reports
// parser errors (as opposed to scanner errors) with a 0-based line, the
// start of the enclosing collection; those get +1.
func yamlError(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				text := rest[i+2:]
				if parserError(text) {
					n++
				}
				return n, "YAML syntax: " + text
			}
		}
	}
	return 0, "YAML syntax: " + msg
}

func parserError(text string) bool {
	for _, p := range []string{
		"did not find expected ',' or ']'", "did not find expected ',' or '}'",
		"did not find expected '-' indicator", "did not find expected <document start>",
		"did not find expected <stream-start>", "did not find expected key",
		"did not find expected node content", "found duplicate %TAG directive",
		"found duplicate %YAML directive", "found incompatible YAML document",
		"found undefined tag handle",
	} {
		if text == p {
			return true
		}
	}
	return false
}

// located is a problem found at a path of a document.
type located struct {
	path []string
	key  bool // line of the mapping key instead of its value
	msg  string
}

func (ps *Parser) parseDoc(file string, n *yaml.Node) ([]*Scenario, []nameAt, []Problem) {
	var probs []Problem
	add := func(line int, msg string) {
		probs = append(probs, Problem{File: file, Line: line, Reason: msg})
	}
	cv := converter{budget: maxNodes}
	val := cv.value(n, nil, 0)
	bad := map[string]bool{} // scenario index ("" = the whole document) with problems
	list := false
	if m, ok := val.(map[string]any); ok {
		_, list = m["scenarios"]
	}
	markBad := func(path []string) {
		if list && len(path) >= 2 && path[0] == "scenarios" {
			bad[path[1]] = true
		} else {
			bad[""] = true
		}
	}
	issueAt := map[string]bool{} // schema problems there would repeat the issue
	for _, is := range cv.issues {
		if is.value {
			issueAt[strings.Join(is.path, "\x00")] = true
		}
		if is.path != nil {
			add(is.line, withPath(displayPath(n, is.path), is.msg))
		} else {
			add(is.line, is.msg)
		}
		markBad(is.path)
		if is.fatal {
			return nil, nil, probs
		}
	}
	names := docNames(n, list)

	// Schema (a trusted parser's input was validated when it was built).
	var schemaErrs []schema.Error
	if !ps.trusted {
		schemaErrs = ps.schema.Validate(val)
	}
	if len(schemaErrs) > 0 {
		seen := map[string]bool{}
		for _, l := range schemaProblems(schemaErrs) {
			if issueAt[strings.Join(l.path, "\x00")] {
				continue
			}
			vn, kn := locate(n, l.path)
			line := vn.Line
			if l.key && kn != nil {
				line = kn.Line
			}
			reason := withPath(displayPath(n, l.path), l.msg)
			if k := fmt.Sprint(line, reason); !seen[k] {
				seen[k] = true
				add(line, reason)
			}
			markBad(l.path)
		}
	}
	if bad[""] {
		return nil, names, probs
	}

	// Decode and check each scenario.
	type item struct {
		node   *yaml.Node
		val    any
		prefix []string
	}
	var items []item
	if list {
		seq := resolve(mapValue(n, "scenarios"))
		vals, _ := val.(map[string]any)["scenarios"].([]any)
		for i, v := range vals {
			idx := strconv.Itoa(i)
			if bad[idx] || seq == nil || i >= len(seq.Content) {
				continue
			}
			items = append(items, item{resolve(seq.Content[i]), v, []string{"scenarios", idx}})
		}
	} else {
		items = append(items, item{n, val, nil})
	}
	var scs []*Scenario
	for _, it := range items {
		s, err := decodeScenario(it.val)
		if err != nil {
			add(it.node.Line, withPath(displayPath(n, it.prefix), err.Error()))
			continue
		}
		s.Source, s.Line = file, it.node.Line
		s.pos = &positions{}
		if nn := resolve(mapValue(it.node, "name")); nn != nil {
			s.pos.name, s.pos.nameCol = nn.Line, nn.Column
		}
		if df := resolve(mapValue(it.node, "defaultFor")); df != nil {
			for _, c := range df.Content {
				s.pos.defaultFor = append(s.pos.defaultFor, resolve(c).Line)
			}
		}
		s.trusted = ps.trusted
		ok := true
		checkScenario(s, !ps.trusted, func(path []any, key bool, msg string) {
			ok = false
			full := append(append([]string(nil), it.prefix...), pathStrings(path)...)
			vn, kn := locate(n, full)
			line := vn.Line
			if key && kn != nil {
				line = kn.Line
			}
			add(line, withPath(displayPath(n, full), msg))
		})
		if ok {
			scs = append(scs, s)
		}
	}
	return scs, names, probs
}

// nameAt is a scenario name and the line it is written on.
type nameAt struct {
	name      string
	line, col int
}

// docNames returns the names written in a document, valid or not, for the
// duplicate check.
func docNames(n *yaml.Node, list bool) []nameAt {
	var items []*yaml.Node
	if list {
		if seq := resolve(mapValue(n, "scenarios")); seq != nil && seq.Kind == yaml.SequenceNode {
			items = seq.Content
		}
	} else {
		items = []*yaml.Node{n}
	}
	var out []nameAt
	for _, it := range items {
		if v := resolve(mapValue(it, "name")); v != nil && v.Kind == yaml.ScalarNode && v.Value != "" {
			out = append(out, nameAt{v.Value, v.Line, v.Column})
		}
	}
	return out
}

func decodeScenario(v any) (*Scenario, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s Scenario
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("cannot decode scenario: %v", err)
	}
	return &s, nil
}

func pathStrings(path []any) []string {
	out := make([]string, len(path))
	for i, p := range path {
		switch v := p.(type) {
		case int:
			out[i] = strconv.Itoa(v)
		default:
			out[i] = fmt.Sprint(v)
		}
	}
	return out
}

// displayPath turns instance-location tokens into the []any form of
// formatPath, using the YAML nodes to tell indexes from keys.
func displayPath(n *yaml.Node, path []string) []any {
	out := make([]any, 0, len(path))
	cur := resolve(n)
	for _, tok := range path {
		if cur != nil && cur.Kind == yaml.SequenceNode {
			if i, err := strconv.Atoi(tok); err == nil {
				out = append(out, i)
				if i >= 0 && i < len(cur.Content) {
					cur = resolve(cur.Content[i])
				} else {
					cur = nil
				}
				continue
			}
		}
		out = append(out, tok)
		if cur != nil && cur.Kind == yaml.MappingNode {
			cur = resolve(mapValue(cur, tok))
		} else {
			cur = nil
		}
	}
	return out
}

// resolve follows document and alias nodes.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && i < maxDepth; i++ {
		switch n.Kind {
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		case yaml.AliasNode:
			n = n.Alias
		default:
			return n
		}
	}
	return n
}

// mapEntry finds key in a mapping node, through merge keys (<<) too,
// visiting at most a bounded number of mappings (merges may be cyclic).
func mapEntry(m *yaml.Node, key string) (k, v *yaml.Node) {
	budget := 256
	return mapEntryB(m, key, &budget)
}

func mapEntryB(m *yaml.Node, key string, budget *int) (k, v *yaml.Node) {
	m = resolve(m)
	*budget--
	if m == nil || m.Kind != yaml.MappingNode || *budget < 0 {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		kn := resolve(m.Content[i])
		if kn != nil && kn.Kind == yaml.ScalarNode && kn.ShortTag() != "!!merge" && kn.Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		kn := resolve(m.Content[i])
		if kn == nil || kn.ShortTag() != "!!merge" {
			continue
		}
		src := resolve(m.Content[i+1])
		if src == nil {
			continue
		}
		if src.Kind == yaml.SequenceNode {
			for _, c := range src.Content {
				if k, v := mapEntryB(c, key, budget); v != nil {
					return k, v
				}
			}
		} else if k, v := mapEntryB(src, key, budget); v != nil {
			return k, v
		}
	}
	return nil, nil
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	_, v := mapEntry(m, key)
	return v
}

// locate returns the deepest node found along path (best effort) and, when
// the last step is a mapping entry, its key node.
func locate(n *yaml.Node, path []string) (val, key *yaml.Node) {
	cur := resolve(n)
	for _, tok := range path {
		if cur == nil {
			break
		}
		switch cur.Kind {
		case yaml.MappingNode:
			k, v := mapEntry(cur, tok)
			if v == nil {
				return cur, nil
			}
			key, cur = k, resolve(v)
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(cur.Content) {
				return cur, nil
			}
			key, cur = nil, resolve(cur.Content[i])
		default:
			return cur, nil
		}
	}
	if cur == nil {
		cur = n
	}
	return cur, key
}

// converter turns YAML nodes into JSON-compatible values: map[string]any,
// []any, string, bool, nil and json.Number.
type converter struct {
	budget int
	issues []issue
	over   bool
}

// issue is a problem found while converting; path is where (as far as it
// is known), fatal stops the document.
type issue struct {
	line  int
	path  []string
	msg   string
	fatal bool
	value bool // the value at path was dropped: schema problems there repeat this one
}

func (c *converter) fail(line int, path []string, format string, args ...any) {
	c.issues = append(c.issues, issue{line: line, path: slices.Clone(path), msg: fmt.Sprintf(format, args...)})
}

// enter counts a node against the limits; false once they are exceeded.
func (c *converter) enter(n *yaml.Node, depth int) bool {
	if c.over {
		return false
	}
	c.budget--
	if c.budget < 0 || depth > maxDepth {
		c.over = true
		c.issues = append(c.issues, issue{line: n.Line, fatal: true, msg: fmt.Sprintf(
			"document too large or too deeply nested (aliases expand to more than %d nodes or %d levels)", maxNodes, maxDepth)})
		return false
	}
	return true
}

func (c *converter) value(n *yaml.Node, path []string, depth int) any {
	if !c.enter(n, depth) {
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return c.value(n.Content[0], path, depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			c.fail(n.Line, path, "unknown alias %q", n.Value)
			return nil
		}
		return c.value(n.Alias, path, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, e := range n.Content {
			out = append(out, c.value(e, append(path, strconv.Itoa(i)), depth+1))
		}
		return out
	case yaml.MappingNode:
		return c.mapping(n, path, depth)
	case yaml.ScalarNode:
		return c.scalar(n, path)
	}
	c.fail(n.Line, path, "unsupported YAML node")
	return nil
}

func (c *converter) mapping(n *yaml.Node, path []string, depth int) map[string]any {
	out := map[string]any{}
	lines := map[string]int{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn := resolve(n.Content[i])
		if kn == nil || kn.Kind != yaml.ScalarNode {
			c.fail(n.Content[i].Line, path, "mapping key must be a string")
			continue
		}
		if kn.ShortTag() == "!!merge" {
			merges = append(merges, n.Content[i+1])
			continue
		}
		if l, dup := lines[kn.Value]; dup {
			c.fail(kn.Line, path, "duplicate key %q (first at line %d)", kn.Value, l)
			continue
		}
		lines[kn.Value] = kn.Line
		out[kn.Value] = c.value(n.Content[i+1], append(path, kn.Value), depth+1)
	}
	for _, m := range merges {
		src := resolve(m)
		var srcs []*yaml.Node
		switch {
		case src != nil && src.Kind == yaml.MappingNode:
			srcs = []*yaml.Node{src}
		case src != nil && src.Kind == yaml.SequenceNode:
			for _, s := range src.Content {
				srcs = append(srcs, resolve(s))
			}
		}
		for _, s := range srcs {
			if s == nil || s.Kind != yaml.MappingNode {
				c.fail(m.Line, path, "merge key (<<) needs a mapping or a list of mappings")
				continue
			}
			if !c.enter(s, depth+1) {
				return out
			}
			for k, v := range c.mapping(s, path, depth+1) {
				if _, set := out[k]; !set {
					out[k] = v
				}
			}
		}
	}
	return out
}

func (c *converter) scalar(n *yaml.Node, path []string) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return b
		}
	case "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			break
		}
		switch x := v.(type) {
		case int:
			return json.Number(strconv.FormatInt(int64(x), 10))
		case int64:
			return json.Number(strconv.FormatInt(x, 10))
		case uint64:
			return json.Number(strconv.FormatUint(x, 10))
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				c.fail(n.Line, path, "%q is not a finite number", n.Value)
				c.issues[len(c.issues)-1].value = true
				return nil
			}
			return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
		}
	}
	return n.Value
}

// schemaProblems turns the failed schema checks into located problems.
func schemaProblems(errs []schema.Error) []located {
	var out []located
	for _, e := range errs {
		out = append(out, describe(e)...)
	}
	return out
}

// describe words one failed schema check for people.
func describe(e schema.Error) []located {
	loc := e.InstanceLocation
	last := ""
	if len(loc) > 0 {
		last = loc[len(loc)-1]
	}
	parent := ""
	if len(loc) > 1 {
		parent = loc[len(loc)-2]
	}
	one := func(msg string) []located { return []located{{path: loc, msg: msg}} }
	switch k := e.Kind.(type) {
	case *schema.AdditionalProperties:
		var out []located
		for _, prop := range k.Properties {
			msg := fmt.Sprintf("unknown key %q%s", prop, didYouMean(prop, k.Allowed))
			if last == "api" {
				msg = unknownAction(prop)
			}
			out = append(out, located{path: append(append([]string(nil), loc...), prop), key: true, msg: msg})
		}
		return out
	case *schema.Required:
		var out []located
		for _, m := range k.Missing {
			out = append(out, located{path: loc, msg: fmt.Sprintf("missing required key %q", m)})
		}
		return out
	case *schema.Type:
		if len(loc) == 0 {
			return one(fmt.Sprintf("a document must be a mapping (one scenario, or scenarios: [...]), got %s", k.Got))
		}
		return one(fmt.Sprintf("got %s, want %s", k.Got, strings.Join(k.Want, " or ")))
	case *schema.Enum:
		got := fmt.Sprint(k.Got)
		switch {
		case last == "code" && parent == "error":
			return one(unknownAPIError(got))
		case parent == "warnCardInfos":
			return one(fmt.Sprintf("%s is not an OCR alarm code (want -9101, -9102, -9103, -9104, -9107, -9108 or -9109)", got))
		case parent == "livenessInfoTag":
			return one(fmt.Sprintf("%q is not a LivenessInfoTag (want \"01\"..\"14\")", got))
		}
		var want []string
		for _, w := range k.Want {
			want = append(want, fmt.Sprint(w))
		}
		return one(unknownValue(got, want))
	case *schema.Pattern:
		switch last {
		case "name":
			return one(fmt.Sprintf("name %q must match [a-z0-9][a-z0-9-]*", k.Got))
		case "latency":
			return one(fmt.Sprintf("%q is not a Go duration such as \"1500ms\"", k.Got))
		}
	case *schema.MinProperties, *schema.MaxProperties:
		switch {
		case last == "match":
			return one("match sets no rule (want extra, redirectURL and/or secretId)")
		case last == "extra":
			return one("set exactly one of exact, prefix, regex")
		case parent == "api":
			return one("empty behaviour (want error, fault and/or latency)")
		}
	case *schema.Minimum, *schema.Maximum:
		switch last {
		case "similarity":
			return one(fmt.Sprintf("similarity %v is outside 0..100", minMaxGot(k)))
		case "times", "polls":
			return one(last + " must not be negative")
		}
	case *schema.MinLength:
		return one("must not be empty")
	case *schema.MinItems:
		return one("must not be empty")
	case *schema.UniqueItems:
		return []located{{path: append(append([]string(nil), loc...), strconv.Itoa(k.Duplicates[1])),
			msg: fmt.Sprintf("listed twice (items %d and %d are equal)", k.Duplicates[0], k.Duplicates[1])}}
	}
	return one(e.Kind.String())
}

func minMaxGot(k schema.Kind) any {
	switch v := k.(type) {
	case *schema.Minimum:
		return ratString(v.Got)
	case *schema.Maximum:
		return ratString(v.Got)
	}
	return "?"
}

func ratString(r interface{ FloatString(int) string }) string {
	s := r.FloatString(6)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
