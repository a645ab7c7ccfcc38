package schema

import (
	"fmt"
	"hash/maphash"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is one failed check of an instance: a leaf of the error tree, in
// the terms of santhosh-tekuri/jsonschema (which nests errors under $ref
// and if/then/else; this package reports only the leaves).
type Error struct {
	// InstanceLocation is the path of the failing value: object keys and
	// array indexes (decimal), from the document root.
	InstanceLocation []string
	// Kind is one of the *AdditionalProperties, *Required, *Type, *Enum,
	// *Pattern, *MinProperties, *MaxProperties, *Minimum, *Maximum,
	// *MinLength, *MinItems, *UniqueItems and *InvalidValue kinds.
	Kind Kind
}

// String is "/json/pointer: message".
func (e Error) String() string {
	var b strings.Builder
	for _, tok := range e.InstanceLocation {
		b.WriteByte('/')
		b.WriteString(escape(tok))
	}
	return b.String() + ": " + e.Kind.String()
}

// Kind says which keyword failed and carries its data.
type Kind interface {
	// Keyword is the failed keyword, e.g. "required"; "" for InvalidValue.
	Keyword() string
	// String words the failure as santhosh-tekuri/jsonschema does.
	String() string
}

// AdditionalProperties: properties not allowed by additionalProperties:
// false, in sorted order.
type AdditionalProperties struct {
	Properties []string
	Allowed    []string // the properties of that schema object, sorted
}

// Required: required properties missing, in the order of the schema.
type Required struct{ Missing []string }

// Type: the value's JSON type (never "integer") is not one of Want.
type Type struct {
	Got  string
	Want []string
}

// Enum: Got is none of Want (the enum values, numbers as json.Number).
type Enum struct {
	Got  any
	Want []any
}

// Pattern: Got does not match the regular expression Want.
type Pattern struct{ Got, Want string }

// MinProperties: Got properties, fewer than Want.
type MinProperties struct{ Got, Want int }

// MaxProperties: Got properties, more than Want.
type MaxProperties struct{ Got, Want int }

// Minimum: Got is below Want.
type Minimum struct{ Got, Want *big.Rat }

// Maximum: Got is above Want.
type Maximum struct{ Got, Want *big.Rat }

// MinLength: Got characters (code points), fewer than Want.
type MinLength struct{ Got, Want int }

// MinItems: Got items, fewer than Want.
type MinItems struct{ Got, Want int }

// UniqueItems: the items at these indexes are equal (the first pair found:
// the smallest second index, then the smallest first one).
type UniqueItems struct{ Duplicates [2]int }

// InvalidValue: a Go value that is not a JSON value.
type InvalidValue struct{ Value any }

func (*AdditionalProperties) Keyword() string { return "additionalProperties" }
func (*Required) Keyword() string             { return "required" }
func (*Type) Keyword() string                 { return "type" }
func (*Enum) Keyword() string                 { return "enum" }
func (*Pattern) Keyword() string              { return "pattern" }
func (*MinProperties) Keyword() string        { return "minProperties" }
func (*MaxProperties) Keyword() string        { return "maxProperties" }
func (*Minimum) Keyword() string              { return "minimum" }
func (*Maximum) Keyword() string              { return "maximum" }
func (*MinLength) Keyword() string            { return "minLength" }
func (*MinItems) Keyword() string             { return "minItems" }
func (*UniqueItems) Keyword() string          { return "uniqueItems" }
func (*InvalidValue) Keyword() string         { return "" }

func (k *AdditionalProperties) String() string {
	return fmt.Sprintf("additional properties %s not allowed", joinQuoted(k.Properties))
}

func (k *Required) String() string {
	if len(k.Missing) == 1 {
		return "missing property " + quote(k.Missing[0])
	}
	return "missing properties " + joinQuoted(k.Missing)
}

func (k *Type) String() string {
	return fmt.Sprintf("got %s, want %s", k.Got, strings.Join(k.Want, " or "))
}

func (k *Enum) String() string {
	want := make([]string, 0, len(k.Want))
	for _, w := range k.Want {
		switch x := w.(type) {
		case string:
			want = append(want, quote(x))
		case []any, map[string]any:
			return "'enum' failed"
		default:
			want = append(want, fmt.Sprint(x))
		}
	}
	if len(want) == 1 {
		return "value must be " + want[0]
	}
	return "value must be one of " + strings.Join(want, ", ")
}

func (k *Pattern) String() string {
	return fmt.Sprintf("%s does not match pattern %s", quote(k.Got), quote(k.Want))
}

func (k *MinProperties) String() string {
	return fmt.Sprintf("minProperties: got %d, want %d", k.Got, k.Want)
}

func (k *MaxProperties) String() string {
	return fmt.Sprintf("maxProperties: got %d, want %d", k.Got, k.Want)
}

func (k *Minimum) String() string {
	got, _ := k.Got.Float64()
	want, _ := k.Want.Float64()
	return fmt.Sprintf("minimum: got %v, want %v", got, want)
}

func (k *Maximum) String() string {
	got, _ := k.Got.Float64()
	want, _ := k.Want.Float64()
	return fmt.Sprintf("maximum: got %v, want %v", got, want)
}

func (k *MinLength) String() string {
	return fmt.Sprintf("minLength: got %d, want %d", k.Got, k.Want)
}

func (k *MinItems) String() string {
	return fmt.Sprintf("minItems: got %d, want %d", k.Got, k.Want)
}

func (k *UniqueItems) String() string {
	return fmt.Sprintf("items at %d and %d are equal", k.Duplicates[0], k.Duplicates[1])
}

func (k *InvalidValue) String() string { return fmt.Sprintf("invalid jsonType %T", k.Value) }

// quote single-quotes a string as santhosh-tekuri/jsonschema does.
func quote(s string) string {
	s = strconv.Quote(s)
	s = strings.ReplaceAll(s, `\"`, `"`)
	s = strings.ReplaceAll(s, `'`, `\'`)
	return "'" + s[1:len(s)-1] + "'"
}

func joinQuoted(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quote(s)
	}
	return strings.Join(q, ", ")
}

// Validate checks a value against the schema and returns the failed checks
// (nil when the value is valid), in a deterministic order. The value is
// what encoding/json decodes into any (map[string]any, []any, string,
// bool, nil, float64 or json.Number); Go integer types are numbers too.
//
// As in JSON Schema (and santhosh-tekuri/jsonschema): a failed type or
// enum stops the checks of that schema object; if/then/else reports only
// the errors of the branch taken, never those of if.
func (s *Schema) Validate(v any) []Error {
	vd := validator{loc: make([]string, 0, 8)}
	vd.check(s.root, v)
	return vd.errs
}

type validator struct {
	loc  []string
	errs []Error
	// quiet: only whether the value is valid matters (if); stop at the
	// first failure and record nothing.
	quiet  bool
	failed bool
}

func (vd *validator) add(k Kind) {
	vd.failed = true
	if !vd.quiet {
		vd.errs = append(vd.errs, Error{InstanceLocation: slices.Clone(vd.loc), Kind: k})
	}
}

func (vd *validator) stop() bool { return vd.quiet && vd.failed }

// child checks v, the value at tok of the current value, against n.
func (vd *validator) child(n *node, v any, tok string) {
	vd.loc = append(vd.loc, tok)
	vd.check(n, v)
	vd.loc = vd.loc[:len(vd.loc)-1]
}

func (vd *validator) check(n *node, v any) {
	t := typeOf(v)
	if t == 0 {
		vd.add(&InvalidValue{Value: v})
		return
	}
	if n.types != 0 && n.types&t == 0 && !(n.types&tInteger != 0 && t == tNumber && isInteger(v)) {
		vd.add(&Type{Got: t.String(), Want: n.types.names()})
		return
	}
	if n.hasEnum && !n.inEnum(v, t) {
		vd.add(&Enum{Got: v, Want: n.enum})
		return
	}
	if n.ref != nil {
		vd.check(n.ref, v)
		if vd.stop() {
			return
		}
	}
	switch t {
	case tObject:
		vd.object(n, v.(map[string]any))
	case tArray:
		vd.array(n, v.([]any))
	case tString:
		vd.string(n, v.(string))
	case tNumber:
		vd.number(n, v)
	}
	if vd.stop() || n.ifS == nil {
		return
	}
	if n.valid(n.ifS, v) {
		if n.thenS != nil {
			vd.check(n.thenS, v)
		}
	} else if n.elseS != nil {
		vd.check(n.elseS, v)
	}
}

// valid reports whether v is valid against sub, recording nothing.
func (n *node) valid(sub *node, v any) bool {
	q := validator{quiet: true}
	q.check(sub, v)
	return !q.failed
}

func (n *node) inEnum(v any, t types) bool {
	if n.enumTypes&t == 0 {
		return false
	}
	for _, e := range n.enum {
		if equal(v, e) {
			return true
		}
	}
	return false
}

func (vd *validator) object(n *node, obj map[string]any) {
	if n.minProperties >= 0 && len(obj) < n.minProperties {
		vd.add(&MinProperties{Got: len(obj), Want: n.minProperties})
	}
	if n.maxProperties >= 0 && len(obj) > n.maxProperties {
		vd.add(&MaxProperties{Got: len(obj), Want: n.maxProperties})
	}
	var missing []string
	for _, r := range n.required {
		if _, ok := obj[r]; !ok {
			missing = append(missing, r)
		}
	}
	if missing != nil {
		vd.add(&Required{Missing: missing})
	}
	if vd.stop() || (n.properties == nil && n.additional == nil && !n.noAdditional) {
		return
	}
	var extra []string
	for _, k := range sortedKeys(obj) {
		if sub, ok := n.properties[k]; ok {
			vd.child(sub, obj[k], k)
		} else if n.additional != nil {
			vd.child(n.additional, obj[k], k)
		} else if n.noAdditional {
			extra = append(extra, k)
		}
		if vd.stop() {
			return
		}
	}
	if extra != nil {
		vd.add(&AdditionalProperties{Properties: extra, Allowed: n.allowed})
	}
}

func (vd *validator) array(n *node, arr []any) {
	if n.minItems >= 0 && len(arr) < n.minItems {
		vd.add(&MinItems{Got: len(arr), Want: n.minItems})
	}
	if n.uniqueItems {
		if i, j, dup := duplicates(arr); dup {
			vd.add(&UniqueItems{Duplicates: [2]int{i, j}})
		}
	}
	if n.items == nil {
		return
	}
	for i, e := range arr {
		if vd.stop() {
			return
		}
		vd.child(n.items, e, strconv.Itoa(i))
	}
}

// duplicates finds the equal items with the smallest second index j, then
// the smallest first index i. Long arrays are bucketed by a hash first, to
// stay linear on hostile input.
func duplicates(arr []any) (i, j int, ok bool) {
	if len(arr) <= 20 {
		for j := 1; j < len(arr); j++ {
			for i := 0; i < j; i++ {
				if equal(arr[i], arr[j]) {
					return i, j, true
				}
			}
		}
		return 0, 0, false
	}
	seed := maphash.MakeSeed()
	var h maphash.Hash
	buckets := make(map[uint64][]int, len(arr))
	for j, e := range arr {
		h.SetSeed(seed)
		writeHash(&h, e)
		sum := h.Sum64()
		for _, i := range buckets[sum] {
			if equal(arr[i], e) {
				return i, j, true
			}
		}
		buckets[sum] = append(buckets[sum], j)
	}
	return 0, 0, false
}

// writeHash hashes a value so that equal values hash alike.
func writeHash(h *maphash.Hash, v any) {
	switch x := v.(type) {
	case nil:
		h.WriteByte('n')
	case bool:
		if x {
			h.WriteByte('t')
		} else {
			h.WriteByte('f')
		}
	case string:
		h.WriteByte('s')
		h.WriteString(x)
		h.WriteByte(0)
	case []any:
		h.WriteByte('[')
		for _, e := range x {
			writeHash(h, e)
		}
		h.WriteByte(']')
	case map[string]any:
		h.WriteByte('{')
		for _, k := range sortedKeys(x) {
			h.WriteString(k)
			h.WriteByte(0)
			writeHash(h, x[k])
		}
		h.WriteByte('}')
	default:
		h.WriteByte('#')
		if r := rat(v); r != nil {
			h.WriteString(r.RatString())
		}
		h.WriteByte(0)
	}
}

func (vd *validator) string(n *node, s string) {
	if n.minLength >= 0 {
		if l := utf8.RuneCountInString(s); l < n.minLength {
			vd.add(&MinLength{Got: l, Want: n.minLength})
		}
	}
	if n.pattern != nil && !n.pattern.MatchString(s) {
		vd.add(&Pattern{Got: s, Want: n.pattern.String()})
	}
}

func (vd *validator) number(n *node, v any) {
	if n.minimum == nil && n.maximum == nil {
		return
	}
	r := rat(v)
	if r == nil {
		vd.add(&InvalidValue{Value: v})
		return
	}
	if n.minimum != nil && r.Cmp(n.minimum) < 0 {
		vd.add(&Minimum{Got: r, Want: n.minimum})
	}
	if n.maximum != nil && r.Cmp(n.maximum) > 0 {
		vd.add(&Maximum{Got: r, Want: n.maximum})
	}
}
