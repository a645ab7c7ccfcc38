// Package params decodes the business parameters of a Tencent Cloud API 3.0
// request into a request model (a struct with json tags, such as
// model.ApplyWebVerificationBizTokenIntlRequest).
//
// Parameters arrive in two shapes:
//
//   - a JSON object body (TC3-HMAC-SHA256 POST): DecodeJSON;
//   - flattened string values (v1 form POST or GET query, and TC3 GET query),
//     e.g. RedirectURL=...&Config.AutoSkip=true&Config.CheckMode=1&List.0.Name=x:
//     DecodeValues, which coerces the strings to the field types.
//
// Both match field names exactly (case-sensitive) against the json tag names
// (the Go field name when there is no tag; "-" fields are ignored), allocate
// nil pointers as needed, and report the first problem as an *Error whose
// Param is the dotted parameter path ("Config.CheckMode", "List.0.Name"), so
// the gateway can answer UnknownParameter / InvalidParameter naming it.
//
// Supported field types: string, bool, signed and unsigned integers, floats,
// pointers to these, slices and structs (embedded structs are treated as
// ordinary fields named by their tag or type name). Passing a dst that is not
// a non-nil pointer to a struct, or a struct with a field of another type
// (map, interface, array, chan, func, complex), is a programming error and
// panics. Decode into a zero value: fields the input does not mention are
// left as they are, and on error dst may be partly filled.
//
// Per-type field tables are computed once and memoised in a sync.Map keyed
// by reflect.Type; the memo is immutable and never changes behaviour.
package params

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Kind classifies a decoding failure.
type Kind int

const (
	// Unknown: the parameter is not a field of the model (or a list index
	// where a field name is required, or vice versa).
	Unknown Kind = iota + 1
	// WrongType: the value does not have or cannot be coerced to the
	// field's type (string for an integer, 1.5 for an integer, 300 for an
	// int8, an object for a string, "yes" for a bool, ...).
	WrongType
	// Malformed: the input itself is broken: invalid JSON, invalid UTF-8,
	// a body that is not a JSON object, trailing data, nesting deeper than
	// MaxDepth, a duplicate JSON key, or a gap in flattened list indices.
	Malformed
)

// String returns the Kind's name.
func (k Kind) String() string {
	switch k {
	case Unknown:
		return "Unknown"
	case WrongType:
		return "WrongType"
	case Malformed:
		return "Malformed"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// MaxDepth is the deepest JSON nesting DecodeJSON accepts; the top-level
// object is depth 1.
const MaxDepth = 32

// Error is a decoding failure naming the offending parameter path (dotted,
// e.g. "Config.CheckMode"; list elements by index, "List.0.Name"). Param is
// empty when the failure concerns the input as a whole (e.g. the body is
// not valid JSON).
type Error struct {
	Kind   Kind
	Param  string
	Reason string
}

// Error implements error.
func (e *Error) Error() string {
	var what string
	switch e.Kind {
	case Unknown:
		what = "unknown parameter"
	case WrongType:
		what = "wrong type for parameter"
	case Malformed:
		if e.Param == "" {
			return "params: malformed input: " + e.Reason
		}
		what = "malformed parameter"
	default:
		what = e.Kind.String() + " parameter"
	}
	return fmt.Sprintf("params: %s %q: %s", what, e.Param, e.Reason)
}

// kind is the decoder's view of a Go type.
type kind uint8

const (
	kString kind = iota
	kBool
	kInt
	kUint
	kFloat
	kPtr
	kSlice
	kStruct
)

// desc describes one Go type; descs of recursive types point at each other.
// A desc is never modified after its type's table is published.
type desc struct {
	t      reflect.Type
	kind   kind
	bits   int               // kInt, kUint, kFloat
	elem   *desc             // kPtr, kSlice
	fields map[string]*field // kStruct, by JSON name
	nField int               // kStruct: number of decoded fields
}

type field struct {
	name  string // JSON name
	index int    // Go field index
	order int    // 0..nField-1, for duplicate detection
	d     *desc
}

var descs sync.Map // reflect.Type -> *desc; immutable memo

func descOf(t reflect.Type) *desc {
	if d, ok := descs.Load(t); ok {
		return d.(*desc)
	}
	memo := map[reflect.Type]*desc{}
	d := build(t, memo)
	for typ, dd := range memo {
		descs.LoadOrStore(typ, dd) // concurrent builders publish equivalent tables
	}
	return d
}

func build(t reflect.Type, memo map[reflect.Type]*desc) *desc {
	if d, ok := memo[t]; ok {
		return d
	}
	if d, ok := descs.Load(t); ok {
		return d.(*desc)
	}
	d := &desc{t: t}
	memo[t] = d
	switch t.Kind() {
	case reflect.String:
		d.kind = kString
	case reflect.Bool:
		d.kind = kBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		d.kind, d.bits = kInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		d.kind, d.bits = kUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		d.kind, d.bits = kFloat, t.Bits()
	case reflect.Pointer:
		d.kind = kPtr
		d.elem = build(t.Elem(), memo)
	case reflect.Slice:
		d.kind = kSlice
		d.elem = build(t.Elem(), memo)
	case reflect.Struct:
		d.kind = kStruct
		d.fields = map[string]*field{}
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if _, dup := d.fields[name]; dup {
				panic(fmt.Sprintf("params: %v has two fields named %q", t, name))
			}
			d.fields[name] = &field{name: name, index: i, order: d.nField, d: build(sf.Type, memo)}
			d.nField++
		}
	default:
		panic(fmt.Sprintf("params: unsupported field type %v", t))
	}
	return d
}

// root returns the struct dst points to and its desc.
func root(dst any) (reflect.Value, *desc) {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("params: dst must be a non-nil pointer to a struct, not %T", dst))
	}
	return v.Elem(), descOf(v.Elem().Type())
}

// typeName describes the JSON shape a desc expects, for messages.
func typeName(d *desc) string {
	for d.kind == kPtr {
		d = d.elem
	}
	switch d.kind {
	case kString:
		return "a string"
	case kBool:
		return "a boolean"
	case kInt, kUint:
		return "an integer"
	case kFloat:
		return "a number"
	case kSlice:
		return "a list"
	}
	return "an object"
}

// structName names a struct type for "not a field of" messages.
func structName(d *desc) string {
	if n := d.t.Name(); n != "" {
		return n
	}
	return "the request"
}

// parseNumber converts a number literal for an integer or float field. The
// literal has already been checked against the JSON number grammar.
func parseNumber(d *desc, lit string) (reflect.Value, string) {
	v := reflect.New(d.t).Elem()
	switch d.kind {
	case kInt:
		n, err := strconv.ParseInt(lit, 10, d.bits)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return v, fmt.Sprintf("integer %q out of range for int%d", clip(lit), d.bits)
			}
			return v, fmt.Sprintf("expected an integer, got %q", clip(lit))
		}
		v.SetInt(n)
	case kUint:
		n, err := strconv.ParseUint(lit, 10, d.bits)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return v, fmt.Sprintf("integer %q out of range for uint%d", clip(lit), d.bits)
			}
			return v, fmt.Sprintf("expected a non-negative integer, got %q", clip(lit))
		}
		v.SetUint(n)
	case kFloat:
		f, err := strconv.ParseFloat(lit, d.bits)
		if err != nil {
			return v, fmt.Sprintf("number %q out of range for float%d", clip(lit), d.bits)
		}
		v.SetFloat(f)
	}
	return v, ""
}

// clip shortens a value quoted in an error message (at a rune boundary).
func clip(s string) string {
	const limit = 40
	if len(s) <= limit {
		return s
	}
	i := limit
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}
