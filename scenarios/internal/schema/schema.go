// Package schema validates scenario files against scenarios/schema.json. It
// implements exactly the subset of JSON Schema draft 2020-12 that
// schema.json uses, and nothing more.
//
// It exists for the emulator's cold start: a general JSON Schema library
// (github.com/santhosh-tekuri/jsonschema) compiles the meta-schemas of every
// draft in its package init, about 20 ms and 1.7 MB before main runs,
// whether or not a scenario file is ever validated. This package has no
// package-level state: Compile does all the work, and only when called.
//
// Implemented: type (a name or an array of names; 1.0 is an integer),
// enum, $ref (local JSON pointers only) and $defs, properties,
// additionalProperties (false, true or a schema), required, minProperties,
// maxProperties, items (one schema), minItems, uniqueItems, minLength (in
// code points), pattern (Go RE2, unanchored), minimum, maximum and
// if/then/else; the annotations title, description, default, examples,
// $comment and enumDescriptions are ignored, $schema (2020-12 only) and $id
// are accepted at the top level. Compile rejects every other keyword, so an
// edit of schema.json that needs more of JSON Schema fails loudly instead of
// silently checking less. The document is read with encoding/json: Compile
// runs once per process, and only when there are user scenario files
// (0.3 ms). The tests
// of this package and of package scenarios check it against
// santhosh-tekuri/jsonschema as an oracle: both must agree on valid and
// invalid documents and on where the errors are.
package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// draft2020 is the only $schema accepted.
const draft2020 = "https://json-schema.org/draft/2020-12/schema"

// Schema is a compiled schema document. It is immutable and safe for
// concurrent use.
type Schema struct {
	root *node
}

// node is one compiled schema object.
type node struct {
	ptr string // JSON pointer of the schema object in its document

	types types // 0: any type

	enum      []any
	enumTypes types
	hasEnum   bool

	ref *node // $ref

	// objects
	properties    map[string]*node
	allowed       []string // sorted names of properties
	additional    *node    // additionalProperties as a schema
	noAdditional  bool     // additionalProperties: false
	required      []string
	minProperties int // -1: unset
	maxProperties int // -1: unset

	// arrays
	items       *node
	minItems    int // -1: unset
	uniqueItems bool

	// strings
	minLength int // -1: unset
	pattern   *regexp.Regexp

	// numbers
	minimum, maximum *big.Rat

	// conditionals
	ifS, thenS, elseS *node
}

// annotation reports keywords without effect on validation.
func annotation(kw string) bool {
	switch kw {
	case "title", "description", "default", "examples", "$comment", "enumDescriptions":
		return true
	}
	return false
}

// decodeDocument decodes doc as encoding/json decodes into any, numbers
// kept exact as json.Number (bounds are compared as rationals), and refuses
// anything after the top-level value.
func decodeDocument(doc []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON: data after the top-level value")
	}
	return v, nil
}

// Compile compiles a schema document (JSON). It fails on invalid JSON, on
// any keyword or keyword form this package does not implement, on a $ref
// that is not a local JSON pointer (#/...) or does not resolve, on an
// invalid regular expression, and on a cycle of $ref/if/then/else that
// never descends into the instance.
func Compile(doc []byte) (*Schema, error) {
	raw, err := decodeDocument(doc)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	root, ok := raw.(map[string]any)
	if !ok {
		return nil, errors.New("schema: the document must be a JSON object")
	}
	if s, set := root["$schema"]; set && s != draft2020 {
		return nil, fmt.Errorf("schema: $schema %v is not supported (want %s)", s, draft2020)
	}
	if id, set := root["$id"]; set {
		if _, ok := id.(string); !ok {
			return nil, errors.New("schema: $id must be a string")
		}
	}
	c := &compiler{doc: raw, nodes: map[string]*node{}}
	rn, err := c.compile(raw, "")
	if err != nil {
		return nil, err
	}
	if err := c.checkCycles(); err != nil {
		return nil, err
	}
	return &Schema{root: rn}, nil
}

type compiler struct {
	doc   any
	nodes map[string]*node // by JSON pointer
}

func (c *compiler) errorf(ptr, format string, args ...any) error {
	return fmt.Errorf("schema: at #%s: %s", ptr, fmt.Sprintf(format, args...))
}

// compile compiles the schema object v found at ptr, once per pointer.
func (c *compiler) compile(v any, ptr string) (*node, error) {
	if n, ok := c.nodes[ptr]; ok {
		return n, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, c.errorf(ptr, "a schema must be an object here, got %s", jsonTypeName(v))
	}
	n := &node{ptr: ptr, minProperties: -1, maxProperties: -1, minItems: -1, minLength: -1}
	c.nodes[ptr] = n
	// Keywords in a fixed order, for deterministic error messages.
	kws := make([]string, 0, len(obj))
	for k := range obj {
		kws = append(kws, k)
	}
	slices.Sort(kws)
	for _, kw := range kws {
		if err := c.keyword(n, obj, kw, ptr); err != nil {
			return nil, err
		}
	}
	if (n.thenS != nil || n.elseS != nil) && n.ifS == nil {
		return nil, c.errorf(ptr, "then/else without if")
	}
	return n, nil
}

func (c *compiler) keyword(n *node, obj map[string]any, kw, ptr string) error {
	if annotation(kw) {
		return nil
	}
	v := obj[kw]
	at := ptr + "/" + escape(kw)
	var err error
	switch {
	case kw == "$schema" || kw == "$id":
		if ptr != "" {
			return c.errorf(ptr, "%s is only supported at the top level", kw)
		}
	case kw == "$defs":
		defs, ok := v.(map[string]any)
		if !ok {
			return c.errorf(at, "$defs must be an object")
		}
		for _, name := range sortedKeys(defs) {
			if _, err := c.compile(defs[name], at+"/"+escape(name)); err != nil {
				return err
			}
		}
	case kw == "$ref":
		n.ref, err = c.ref(v, at)
	case kw == "type":
		n.types, err = c.types(v, at)
	case kw == "enum":
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 {
			return c.errorf(at, "enum must be a non-empty array")
		}
		n.hasEnum, n.enum = true, arr
		for _, e := range arr {
			n.enumTypes |= typeOf(e)
		}
	case kw == "properties":
		props, ok := v.(map[string]any)
		if !ok {
			return c.errorf(at, "properties must be an object")
		}
		n.properties = make(map[string]*node, len(props))
		n.allowed = sortedKeys(props)
		for _, name := range n.allowed {
			if n.properties[name], err = c.compile(props[name], at+"/"+escape(name)); err != nil {
				return err
			}
		}
	case kw == "additionalProperties":
		if b, ok := v.(bool); ok {
			n.noAdditional = !b
		} else {
			n.additional, err = c.compile(v, at)
		}
	case kw == "required":
		arr, ok := v.([]any)
		if !ok {
			return c.errorf(at, "required must be an array of strings")
		}
		for _, e := range arr {
			s, ok := e.(string)
			if !ok {
				return c.errorf(at, "required must be an array of strings")
			}
			n.required = append(n.required, s)
		}
	case kw == "items":
		n.items, err = c.compile(v, at)
	case kw == "uniqueItems":
		b, ok := v.(bool)
		if !ok {
			return c.errorf(at, "uniqueItems must be a boolean")
		}
		n.uniqueItems = b
	case kw == "minLength":
		n.minLength, err = c.count(v, at)
	case kw == "minItems":
		n.minItems, err = c.count(v, at)
	case kw == "minProperties":
		n.minProperties, err = c.count(v, at)
	case kw == "maxProperties":
		n.maxProperties, err = c.count(v, at)
	case kw == "minimum" || kw == "maximum":
		num, ok := v.(json.Number)
		r, ok2 := new(big.Rat), false
		if ok {
			_, ok2 = r.SetString(string(num))
		}
		if !ok2 {
			return c.errorf(at, "%s must be a number", kw)
		}
		if kw == "minimum" {
			n.minimum = r
		} else {
			n.maximum = r
		}
	case kw == "pattern":
		s, ok := v.(string)
		if !ok {
			return c.errorf(at, "pattern must be a string")
		}
		if n.pattern, err = regexp.Compile(s); err != nil {
			return c.errorf(at, "pattern: %v", err)
		}
	case kw == "if":
		n.ifS, err = c.compile(v, at)
	case kw == "then":
		n.thenS, err = c.compile(v, at)
	case kw == "else":
		n.elseS, err = c.compile(v, at)
	default:
		return c.errorf(ptr, "keyword %q is not supported by scenarios/internal/schema (implement it, with an oracle test, before using it in the schema)", kw)
	}
	return err
}

// ref resolves a local $ref (#, #/json/pointer).
func (c *compiler) ref(v any, at string) (*node, error) {
	s, ok := v.(string)
	if !ok {
		return nil, c.errorf(at, "$ref must be a string")
	}
	frag, ok := strings.CutPrefix(s, "#")
	if !ok || (frag != "" && !strings.HasPrefix(frag, "/")) || strings.Contains(frag, "%") {
		return nil, c.errorf(at, "$ref %q: only local JSON pointers (#/...) without %%-escapes are supported", s)
	}
	cur := c.doc
	if frag != "" {
		for _, tok := range strings.Split(frag[1:], "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			switch x := cur.(type) {
			case map[string]any:
				var found bool
				if cur, found = x[tok]; !found {
					return nil, c.errorf(at, "$ref %q does not resolve", s)
				}
			default:
				return nil, c.errorf(at, "$ref %q does not resolve to a schema object", s)
			}
		}
	}
	// Canonical pointer: the escaped tokens, as compile names nodes.
	return c.compile(cur, canonical(frag))
}

func canonical(frag string) string {
	if frag == "" {
		return ""
	}
	var b strings.Builder
	for _, tok := range strings.Split(frag[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		b.WriteByte('/')
		b.WriteString(escape(tok))
	}
	return b.String()
}

func (c *compiler) types(v any, at string) (types, error) {
	var names []any
	switch x := v.(type) {
	case string:
		names = []any{x}
	case []any:
		names = x
	}
	if len(names) == 0 {
		return 0, c.errorf(at, "type must be a type name or a non-empty array of them")
	}
	var ts types
	for _, nm := range names {
		s, _ := nm.(string)
		t := typeFromName(s)
		if t == 0 {
			return 0, c.errorf(at, "unknown type %v", nm)
		}
		ts |= t
	}
	return ts, nil
}

func (c *compiler) count(v any, at string) (int, error) {
	if num, ok := v.(json.Number); ok {
		if i, err := strconv.ParseInt(string(num), 10, 32); err == nil && i >= 0 {
			return int(i), nil
		}
	}
	return 0, c.errorf(at, "want a non-negative integer, got %v", v)
}

// checkCycles rejects a schema that can reach itself through $ref, if, then
// or else alone: validating it would never end.
func (c *compiler) checkCycles() error {
	const (
		unseen = iota
		active
		done
	)
	state := make(map[*node]uint8, len(c.nodes))
	var visit func(n *node) error
	visit = func(n *node) error {
		if n == nil {
			return nil
		}
		switch state[n] {
		case active:
			return c.errorf(n.ptr, "$ref/if/then/else cycle that never descends into the instance")
		case done:
			return nil
		}
		state[n] = active
		for _, m := range [...]*node{n.ref, n.ifS, n.thenS, n.elseS} {
			if err := visit(m); err != nil {
				return err
			}
		}
		state[n] = done
		return nil
	}
	for _, p := range sortedKeys(c.nodes) {
		if err := visit(c.nodes[p]); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// escape escapes a JSON pointer token.
func escape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// types is a set of JSON types.
type types uint8

const (
	tNull types = 1 << iota
	tBoolean
	tNumber
	tInteger
	tString
	tArray
	tObject
)

// typeOrder is the order of Type.Want, as santhosh-tekuri/jsonschema has it.
var typeOrder = [...]types{tNull, tBoolean, tNumber, tInteger, tString, tArray, tObject}

func typeFromName(s string) types {
	switch s {
	case "null":
		return tNull
	case "boolean":
		return tBoolean
	case "number":
		return tNumber
	case "integer":
		return tInteger
	case "string":
		return tString
	case "array":
		return tArray
	case "object":
		return tObject
	}
	return 0
}

func (t types) String() string {
	switch t {
	case tNull:
		return "null"
	case tBoolean:
		return "boolean"
	case tNumber:
		return "number"
	case tInteger:
		return "integer"
	case tString:
		return "string"
	case tArray:
		return "array"
	case tObject:
		return "object"
	}
	return "invalid"
}

func (t types) names() []string {
	var out []string
	for _, x := range typeOrder {
		if t&x != 0 {
			out = append(out, x.String())
		}
	}
	return out
}

// typeOf is the JSON type of a value; 0 for a Go value that is not JSON.
// Numbers are tNumber, integral or not.
func typeOf(v any) types {
	switch v.(type) {
	case nil:
		return tNull
	case bool:
		return tBoolean
	case json.Number, float32, float64, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return tNumber
	case string:
		return tString
	case []any:
		return tArray
	case map[string]any:
		return tObject
	}
	return 0
}

func jsonTypeName(v any) string {
	if t := typeOf(v); t != 0 {
		return t.String()
	}
	return fmt.Sprintf("%T", v)
}

// rat returns a number as an exact rational; nil if it is not a finite
// number.
func rat(v any) *big.Rat {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return new(big.Rat).SetInt64(i)
		}
		r, ok := new(big.Rat).SetString(string(x))
		if !ok {
			return nil
		}
		return r
	case float64:
		// The shortest decimal that reads back as x, as JSON would write
		// it: 0.1 is 1/10, not the binary fraction nearest to it.
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		r, _ := new(big.Rat).SetString(strconv.FormatFloat(x, 'g', -1, 64))
		return r
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil
		}
		r, _ := new(big.Rat).SetString(strconv.FormatFloat(float64(x), 'g', -1, 32))
		return r
	case int:
		return new(big.Rat).SetInt64(int64(x))
	case int8:
		return new(big.Rat).SetInt64(int64(x))
	case int16:
		return new(big.Rat).SetInt64(int64(x))
	case int32:
		return new(big.Rat).SetInt64(int64(x))
	case int64:
		return new(big.Rat).SetInt64(x)
	case uint:
		return new(big.Rat).SetUint64(uint64(x))
	case uint8:
		return new(big.Rat).SetUint64(uint64(x))
	case uint16:
		return new(big.Rat).SetUint64(uint64(x))
	case uint32:
		return new(big.Rat).SetUint64(uint64(x))
	case uint64:
		return new(big.Rat).SetUint64(x)
	}
	return nil
}

// isInteger reports whether a number has no fractional part (1.0 is an
// integer, as JSON Schema says).
func isInteger(v any) bool {
	switch x := v.(type) {
	case json.Number:
		if _, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return true
		}
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	}
	r := rat(v)
	return r != nil && r.IsInt()
}

// equal is JSON equality: numbers by value (1 equals 1.0), objects by
// their members, arrays element by element.
func equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equal(xv, yv) {
				return false
			}
		}
		return true
	}
	if typeOf(a) != tNumber || typeOf(b) != tNumber {
		return false
	}
	if x, ok := a.(json.Number); ok {
		if y, ok := b.(json.Number); ok && x == y {
			return true
		}
	}
	ra, rb := rat(a), rat(b)
	return ra != nil && rb != nil && ra.Cmp(rb) == 0
}
