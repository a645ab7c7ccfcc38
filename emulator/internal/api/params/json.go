package params

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// DecodeJSON decodes a JSON object body into dst (a non-nil pointer to a
// request struct with json tags).
//
// It is a strict RFC 8259 parser that decodes straight into dst:
//   - keys match json tag names exactly (case-sensitive); a key that is not
//     a field is Unknown with its dotted path ("Config.Foo");
//   - a value of the wrong JSON type (a string for an integer field, 1.5 or
//     1e3 for an integer, a negative number for an unsigned field, an
//     out-of-range number, an array for an object...) is WrongType with its
//     dotted path; strings are never coerced to numbers or booleans;
//   - null sets a pointer or slice field to nil and leaves other fields
//     unchanged (so "Config": null is the same as no Config);
//   - invalid JSON, invalid UTF-8 or unpaired \u surrogate escapes in a
//     string, an empty body, a body that is not a JSON object, trailing data
//     after it, a key repeated in the same object (for known fields), and
//     nesting deeper than MaxDepth (also inside unknown fields) are
//     Malformed.
//
// The whole body is always checked: a Malformed error anywhere wins over an
// Unknown or WrongType one; otherwise the first Unknown/WrongType in
// document order is returned.
//
// String values are copied out of body exactly once (one allocation of the
// string's size, also when it contains escapes such as PHP's "\/"), so an
// 8 MB CompareImageBase64 costs one 8 MB copy and a fast scan; body is not
// retained.
func DecodeJSON(body []byte, dst any) *Error {
	rv, rd := root(dst)
	d := jsonDecoder{data: body}
	d.skipWS()
	if d.pos >= len(d.data) {
		return &Error{Kind: Malformed, Reason: "empty body, expected a JSON object"}
	}
	if d.data[d.pos] != '{' {
		return &Error{Kind: Malformed, Reason: "body is not a JSON object"}
	}
	if err := d.object(rv, rd); err != nil {
		return err
	}
	d.skipWS()
	if d.pos != len(d.data) {
		return d.syntax("trailing data after the JSON object")
	}
	return d.semErr
}

type segment struct {
	name  string
	index int // used when name == ""
}

type jsonDecoder struct {
	data   []byte
	pos    int
	depth  int
	path   []segment
	semErr *Error // first Unknown/WrongType error; reported if the body is well-formed
}

// pathString renders the current path, plus an optional last key.
func (d *jsonDecoder) pathString(last string) string {
	var b strings.Builder
	for i, s := range d.path {
		if i > 0 {
			b.WriteByte('.')
		}
		if s.name != "" {
			b.WriteString(s.name)
		} else {
			b.WriteString(strconv.Itoa(s.index))
		}
	}
	if last != "" {
		if len(d.path) > 0 {
			b.WriteByte('.')
		}
		b.WriteString(last)
	}
	return b.String()
}

func (d *jsonDecoder) syntax(reason string) *Error {
	return &Error{Kind: Malformed, Param: d.pathString(""), Reason: reason + " at offset " + strconv.Itoa(d.pos)}
}

func (d *jsonDecoder) semantic(k Kind, param, reason string) {
	if d.semErr == nil {
		d.semErr = &Error{Kind: k, Param: param, Reason: reason}
	}
}

func (d *jsonDecoder) skipWS() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *jsonDecoder) enter() *Error {
	d.depth++
	if d.depth > MaxDepth {
		return d.syntax("nesting deeper than " + strconv.Itoa(MaxDepth))
	}
	return nil
}

// jsonType names the JSON type starting with c, for messages.
func jsonType(c byte) string {
	switch c {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// value decodes one JSON value into v (described by ds). A nil ds means the
// value is only checked and skipped. Only Malformed errors are returned;
// Unknown/WrongType are recorded in d.semErr and the value is skipped.
func (d *jsonDecoder) value(v reflect.Value, ds *desc) *Error {
	d.skipWS()
	if d.pos >= len(d.data) {
		return d.syntax("unexpected end of input")
	}
	if ds == nil {
		return d.skip()
	}
	c := d.data[d.pos]
	if c == 'n' {
		if err := d.literal("null"); err != nil {
			return err
		}
		if ds.kind == kPtr || ds.kind == kSlice {
			v.SetZero()
		}
		return nil
	}
	switch ds.kind {
	case kPtr:
		if v.IsNil() {
			v.Set(reflect.New(ds.t.Elem()))
		}
		return d.value(v.Elem(), ds.elem)
	case kStruct:
		if c == '{' {
			return d.object(v, ds)
		}
	case kSlice:
		if c == '[' {
			return d.array(v, ds)
		}
	case kString:
		if c == '"' {
			start, end, esc, err := d.scanString()
			if err != nil {
				return err
			}
			if esc {
				v.SetString(unescape(d.data[start:end]))
			} else {
				v.SetString(string(d.data[start:end]))
			}
			return nil
		}
	case kBool:
		switch c {
		case 't':
			if err := d.literal("true"); err != nil {
				return err
			}
			v.SetBool(true)
			return nil
		case 'f':
			if err := d.literal("false"); err != nil {
				return err
			}
			v.SetBool(false)
			return nil
		}
	case kInt, kUint, kFloat:
		if c == '-' || (c >= '0' && c <= '9') {
			start := d.pos
			if err := d.number(); err != nil {
				return err
			}
			n, reason := parseNumber(ds, string(d.data[start:d.pos]))
			if reason != "" {
				d.semantic(WrongType, d.pathString(""), reason)
				return nil
			}
			v.Set(n)
			return nil
		}
	}
	d.semantic(WrongType, d.pathString(""), "expected "+typeName(ds)+", got "+jsonType(c))
	return d.skip()
}

// object decodes a JSON object (d.pos at '{') into the struct v.
func (d *jsonDecoder) object(v reflect.Value, ds *desc) *Error {
	d.pos++ // '{'
	if err := d.enter(); err != nil {
		return err
	}
	var seen uint64     // fields 0..63
	var seenMore []bool // larger structs
	if ds.nField > 64 {
		seenMore = make([]bool, ds.nField)
	}
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return nil
	}
	for {
		d.skipWS()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return d.syntax("expected a string key")
		}
		start, end, esc, err := d.scanString()
		if err != nil {
			return err
		}
		key := d.data[start:end]
		var f *field
		if esc {
			f = ds.fields[unescape(key)]
		} else {
			f = ds.fields[string(key)] // no allocation
		}
		d.skipWS()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return d.syntax("expected ':' after an object key")
		}
		d.pos++
		if f == nil {
			name := string(key)
			if esc {
				name = unescape(key)
			}
			d.semantic(Unknown, d.pathString(name), "not a field of "+structName(ds))
			if err := d.value(reflect.Value{}, nil); err != nil {
				return err
			}
		} else {
			dup := false
			if seenMore != nil {
				dup, seenMore[f.order] = seenMore[f.order], true
			} else {
				dup = seen&(1<<f.order) != 0
				seen |= 1 << f.order
			}
			if dup {
				return &Error{Kind: Malformed, Param: d.pathString(f.name), Reason: "key given twice in the same object"}
			}
			d.path = append(d.path, segment{name: f.name})
			err := d.value(v.Field(f.index), f.d)
			d.path = d.path[:len(d.path)-1]
			if err != nil {
				return err
			}
		}
		d.skipWS()
		if d.pos >= len(d.data) {
			return d.syntax("unexpected end of input in an object")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			d.depth--
			return nil
		default:
			return d.syntax("expected ',' or '}' in an object")
		}
	}
}

// array decodes a JSON array (d.pos at '[') into the slice v.
func (d *jsonDecoder) array(v reflect.Value, ds *desc) *Error {
	d.pos++ // '['
	if err := d.enter(); err != nil {
		return err
	}
	v.Set(reflect.MakeSlice(ds.t, 0, 0))
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return nil
	}
	for i := 0; ; i++ {
		v.Grow(1)
		v.SetLen(i + 1)
		v.Index(i).SetZero()
		d.path = append(d.path, segment{index: i})
		err := d.value(v.Index(i), ds.elem)
		d.path = d.path[:len(d.path)-1]
		if err != nil {
			return err
		}
		d.skipWS()
		if d.pos >= len(d.data) {
			return d.syntax("unexpected end of input in a list")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			d.depth--
			return nil
		default:
			return d.syntax("expected ',' or ']' in a list")
		}
	}
}

// skip checks and skips one value (d.pos at its first byte).
func (d *jsonDecoder) skip() *Error {
	switch c := d.data[d.pos]; c {
	case '{', '[':
		closeCh := byte('}')
		if c == '[' {
			closeCh = ']'
		}
		d.pos++
		if err := d.enter(); err != nil {
			return err
		}
		d.skipWS()
		if d.pos < len(d.data) && d.data[d.pos] == closeCh {
			d.pos++
			d.depth--
			return nil
		}
		for {
			d.skipWS()
			if c == '{' {
				if d.pos >= len(d.data) || d.data[d.pos] != '"' {
					return d.syntax("expected a string key")
				}
				if _, _, _, err := d.scanString(); err != nil {
					return err
				}
				d.skipWS()
				if d.pos >= len(d.data) || d.data[d.pos] != ':' {
					return d.syntax("expected ':' after an object key")
				}
				d.pos++
				d.skipWS()
			}
			if d.pos >= len(d.data) {
				return d.syntax("unexpected end of input")
			}
			if err := d.skip(); err != nil {
				return err
			}
			d.skipWS()
			if d.pos >= len(d.data) {
				return d.syntax("unexpected end of input")
			}
			switch d.data[d.pos] {
			case ',':
				d.pos++
			case closeCh:
				d.pos++
				d.depth--
				return nil
			default:
				return d.syntax("expected ',' or '" + string(closeCh) + "'")
			}
		}
	case '"':
		_, _, _, err := d.scanString()
		return err
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	default:
		return d.number()
	}
}

func (d *jsonDecoder) literal(lit string) *Error {
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		return d.syntax("invalid literal, expected " + lit)
	}
	d.pos += len(lit)
	return nil
}

// number checks the JSON number grammar -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
// and advances past it.
func (d *jsonDecoder) number() *Error {
	n := numberLen(d.data[d.pos:])
	if n == 0 {
		return d.syntax("invalid value")
	}
	d.pos += n
	return nil
}

// numberLen returns the length of the JSON number at the start of b, or 0.
func numberLen[T string | []byte](b T) int {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return 0
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return 0
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return 0
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// scanString checks the string at d.pos (at its opening quote) and advances
// past it. It returns the raw content span and whether it has escapes.
// Rejects control characters, bad escapes, unpaired surrogate escapes and
// invalid UTF-8.
func (d *jsonDecoder) scanString() (start, end int, esc bool, err *Error) {
	data := d.data
	i := d.pos + 1
	start = i
	nonASCII := false
	for {
		// Skip 8 plain bytes at a time: none of them '"', '\\', < 0x20 or >= 0x80.
		for i+8 <= len(data) {
			x := binary.LittleEndian.Uint64(data[i:])
			q := x ^ (lsb * '"')
			b := x ^ (lsb * '\\')
			if ((x-lsb*0x20)|(q-lsb)|(b-lsb)|x)&msb != 0 {
				break
			}
			i += 8
		}
		if i >= len(data) {
			d.pos = i
			return 0, 0, false, d.syntax("unterminated string")
		}
		switch c := data[i]; {
		case c == '"':
			end = i
			if nonASCII && !utf8.Valid(data[start:end]) {
				d.pos = start
				return 0, 0, false, d.syntax("invalid UTF-8 in a string")
			}
			d.pos = i + 1
			return start, end, esc, nil
		case c == '\\':
			esc = true
			n, ok := escapeLen(data[i:])
			if !ok {
				d.pos = i
				return 0, 0, false, d.syntax("invalid escape in a string")
			}
			i += n
		case c < 0x20:
			d.pos = i
			return 0, 0, false, d.syntax("control character in a string")
		case c >= 0x80:
			nonASCII = true
			i++
		default:
			i++
		}
	}
}

// escapeLen validates the escape sequence at the start of b (b[0] == '\\')
// and returns its length. A \u escape of a high surrogate must be followed by
// a \u escape of a low surrogate (both are consumed); a lone low surrogate is
// rejected.
func escapeLen(b []byte) (int, bool) {
	if len(b) < 2 {
		return 0, false
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, true
	case 'u':
		r, ok := hex4(b[2:])
		if !ok {
			return 0, false
		}
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if len(b) < 12 || b[6] != '\\' || b[7] != 'u' {
				return 0, false
			}
			r2, ok := hex4(b[8:])
			if !ok || r2 < 0xDC00 || r2 >= 0xE000 {
				return 0, false
			}
			return 12, true
		case r >= 0xDC00 && r < 0xE000:
			return 0, false
		}
		return 6, true
	}
	return 0, false
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// unescape decodes the content of a string already checked by scanString.
// The result is built in one allocation of at most len(raw) bytes.
func unescape(raw []byte) string {
	var b strings.Builder
	b.Grow(len(raw))
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\\')
		if i < 0 {
			i = len(raw)
		}
		b.Write(raw[:i])
		raw = raw[i:]
		if len(raw) == 0 {
			break
		}
		switch raw[1] {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, _ := hex4(raw[2:])
			if utf16.IsSurrogate(r) {
				r2, _ := hex4(raw[8:])
				b.WriteRune(utf16.DecodeRune(r, r2))
				raw = raw[12:]
				continue
			}
			b.WriteRune(r)
			raw = raw[6:]
			continue
		default: // '"', '\\', '/'
			b.WriteByte(raw[1])
		}
		raw = raw[2:]
	}
	return b.String()
}
