package params

import (
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// V1CommonParams reports whether key is one of the common parameters of the
// legacy v1 signature (Action, Version, Timestamp, Nonce, Region, SecretId,
// Signature, SignatureMethod, Token, Language, RequestClient), which travel
// next to the business parameters in a v1 form body or query. Pass it as the
// skip argument of DecodeValues for v1 requests.
func V1CommonParams(key string) bool {
	switch key {
	case "Action", "Version", "Timestamp", "Nonce", "Region", "SecretId", "Signature",
		"SignatureMethod", "Token", "Language", "RequestClient":
		return true
	}
	return false
}

// DecodeValues decodes flattened parameters into dst (a non-nil pointer to
// a request struct) by json tag names, as the SDKs flatten them for the v1
// signature and for GET: nested struct fields as "A.B", list elements as
// "A.0.B" or "A.0" (0-based, in any order, but without gaps). Every value
// is a string and is coerced to the field type:
//
//   - string: as is (must be valid UTF-8, else Malformed);
//   - bool: true/false, True/False (Python), 1/0;
//   - signed/unsigned integers: decimal (strconv.ParseInt/ParseUint, so an
//     optional sign for signed fields), range-checked;
//   - floats: a JSON-style decimal number.
//
// Pointers are allocated as needed. Keys for which skip returns true are
// ignored (skip may be nil; see V1CommonParams). A key whose first path
// element is not a field, a path through a scalar, or a non-numeric (or
// non-canonical, e.g. "01") list index is Unknown; a value that cannot be
// coerced, or a key naming a whole object or list ("Config=..."), is
// WrongType; invalid UTF-8 in a value, or list indices with a gap ("A.1"
// without "A.0") are Malformed. Gaps are reported as soon as a list would
// grow beyond what the keys can fill (Param = the key with the too-large
// index), otherwise at the end (Param = the missing element, "A.0"); either
// way allocation stays proportional to the input.
//
// A key given more than once (a=1&a=2) takes its FIRST value; the others
// are ignored. Keys with no value at all are ignored. Keys are processed in
// sorted order, so the error reported for several bad keys is deterministic:
// the one whose key sorts first.
func DecodeValues(values url.Values, dst any, skip func(string) bool) *Error {
	rv, rd := root(dst)
	keys := make([]string, 0, len(values))
	for k, vs := range values {
		if len(vs) == 0 || (skip != nil && skip(k)) {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	s := valuesState{maxIndex: len(keys)}
	for _, k := range keys {
		s.budget += strings.Count(k, ".")
	}
	for _, k := range keys {
		if err := s.set(rv, rd, k, values[k][0]); err != nil {
			return err
		}
	}
	return s.checkLists()
}

type valuesState struct {
	maxIndex int               // list indices must be below the number of keys
	budget   int               // list elements that may still be created
	lists    map[string][]bool // list path -> indices seen
}

// set decodes one key=value pair.
func (s *valuesState) set(v reflect.Value, d *desc, key, value string) *Error {
	rest := key
	consumed := 0 // length of the key prefix already walked
	for {
		seg, tail, more := strings.Cut(rest, ".")
		switch d.kind {
		case kStruct:
			f := d.fields[seg]
			if f == nil {
				return &Error{Kind: Unknown, Param: key, Reason: "not a field of " + structName(d)}
			}
			v, d = v.Field(f.index), f.d
		case kSlice:
			idx, ok := listIndex(seg)
			if !ok {
				return &Error{Kind: Unknown, Param: key, Reason: "expected a list index (0, 1, ...) after " + strconv.Quote(key[:max(consumed-1, 0)])}
			}
			if idx >= s.maxIndex {
				return &Error{Kind: Malformed, Param: key, Reason: "list index " + seg + " out of range (more than the number of parameters)"}
			}
			if n := v.Len(); idx >= n {
				// A gap-free input creates at most one element per list
				// segment of its keys; more means gaps, so stop before
				// allocating (nested lists could otherwise grow with the
				// square of the input size).
				if s.budget -= idx + 1 - n; s.budget < 0 {
					return &Error{Kind: Malformed, Param: key, Reason: "list index " + seg + " leaves a gap (indices must run from 0 without gaps)"}
				}
				v.Grow(idx + 1 - n)
				v.SetLen(idx + 1)
				for j := n; j <= idx; j++ {
					v.Index(j).SetZero()
				}
			}
			s.mark(key[:consumed-1], idx)
			v, d = v.Index(idx), d.elem
		}
		for d.kind == kPtr {
			if v.IsNil() {
				v.Set(reflect.New(d.t.Elem()))
			}
			v, d = v.Elem(), d.elem
		}
		if !more {
			break
		}
		consumed += len(seg) + 1
		rest = tail
		if d.kind != kStruct && d.kind != kSlice {
			return &Error{Kind: Unknown, Param: key, Reason: strconv.Quote(key[:consumed-1]) + " is " + typeName(d) + ", not an object or list"}
		}
	}
	return setScalar(v, d, key, value)
}

func setScalar(v reflect.Value, d *desc, key, value string) *Error {
	wrong := func(reason string) *Error { return &Error{Kind: WrongType, Param: key, Reason: reason} }
	switch d.kind {
	case kStruct:
		return wrong("is an object; give its fields as " + key + ".<Field>")
	case kSlice:
		return wrong("is a list; give its elements as " + key + ".0, " + key + ".1, ...")
	case kString:
		if !utf8.ValidString(value) {
			return &Error{Kind: Malformed, Param: key, Reason: "invalid UTF-8"}
		}
		v.SetString(value)
	case kBool:
		switch value {
		case "true", "True", "1":
			v.SetBool(true)
		case "false", "False", "0":
			v.SetBool(false)
		default:
			return wrong("expected a boolean (true or false), got " + strconv.Quote(clip(value)))
		}
	case kInt, kUint:
		n, reason := parseNumber(d, value)
		if reason != "" {
			return wrong(reason)
		}
		v.Set(n)
	case kFloat:
		if value == "" || numberLen(value) != len(value) {
			return wrong("expected a number, got " + strconv.Quote(clip(value)))
		}
		n, reason := parseNumber(d, value)
		if reason != "" {
			return wrong(reason)
		}
		v.Set(n)
	}
	return nil
}

// listIndex parses a canonical list index: "0" or [1-9][0-9]{0,8}.
func listIndex(s string) (int, bool) {
	if s == "" || len(s) > 9 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n := 0
	for i := range len(s) {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func (s *valuesState) mark(list string, idx int) {
	if s.lists == nil {
		s.lists = map[string][]bool{}
	}
	seen := s.lists[list]
	if len(seen) <= idx {
		seen = append(seen, make([]bool, idx+1-len(seen))...)
	}
	seen[idx] = true
	s.lists[list] = seen
}

// checkLists reports the first missing list element, in sorted path order.
func (s *valuesState) checkLists() *Error {
	paths := make([]string, 0, len(s.lists))
	for p := range s.lists {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		for i, ok := range s.lists[p] {
			if !ok {
				return &Error{Kind: Malformed, Param: p + "." + strconv.Itoa(i),
					Reason: "list element missing; indices must run from 0 without gaps"}
			}
		}
	}
	return nil
}
