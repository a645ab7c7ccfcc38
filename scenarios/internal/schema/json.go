package schema

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONDepth bounds the nesting of a schema document, as encoding/json
// does.
const maxJSONDepth = 10000

// parseJSON decodes one JSON document into the values encoding/json
// decodes into any with UseNumber: map[string]any (the last of duplicate
// keys wins), []any, string, json.Number, bool and nil. Invalid UTF-8 and
// lone surrogates become U+FFFD, as in encoding/json. It is a third of the
// cost of encoding/json, most of Compile's; FuzzParseJSON holds it to
// encoding/json.
func parseJSON(b []byte) (any, error) {
	r := jsonReader{b: b}
	r.space()
	v, err := r.value(0)
	if err != nil {
		return nil, err
	}
	r.space()
	if r.i < len(r.b) {
		return nil, r.errorf("data after the top-level value")
	}
	return v, nil
}

type jsonReader struct {
	b []byte
	i int
}

func (r *jsonReader) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", r.i, fmt.Sprintf(format, args...))
}

func (r *jsonReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

func (r *jsonReader) value(depth int) (any, error) {
	if r.i >= len(r.b) {
		return nil, r.errorf("unexpected end of input")
	}
	switch c := r.b[r.i]; {
	case c == '{':
		return r.object(depth + 1)
	case c == '[':
		return r.array(depth + 1)
	case c == '"':
		return r.string()
	case c == '-' || ('0' <= c && c <= '9'):
		return r.number()
	case r.literal("true"):
		return true, nil
	case r.literal("false"):
		return false, nil
	case r.literal("null"):
		return nil, nil
	}
	return nil, r.errorf("unexpected character %q", r.b[r.i])
}

func (r *jsonReader) literal(s string) bool {
	if len(r.b)-r.i >= len(s) && string(r.b[r.i:r.i+len(s)]) == s {
		r.i += len(s)
		return true
	}
	return false
}

func (r *jsonReader) object(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, r.errorf("nested too deeply")
	}
	r.i++ // {
	m := map[string]any{}
	r.space()
	if r.i < len(r.b) && r.b[r.i] == '}' {
		r.i++
		return m, nil
	}
	for {
		if r.i >= len(r.b) || r.b[r.i] != '"' {
			return nil, r.errorf("want an object key")
		}
		k, err := r.string()
		if err != nil {
			return nil, err
		}
		r.space()
		if r.i >= len(r.b) || r.b[r.i] != ':' {
			return nil, r.errorf("want ':' after an object key")
		}
		r.i++
		r.space()
		v, err := r.value(depth)
		if err != nil {
			return nil, err
		}
		m[k] = v
		r.space()
		if r.i < len(r.b) {
			switch r.b[r.i] {
			case ',':
				r.i++
				r.space()
				continue
			case '}':
				r.i++
				return m, nil
			}
		}
		return nil, r.errorf("want ',' or '}' in an object")
	}
}

func (r *jsonReader) array(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, r.errorf("nested too deeply")
	}
	r.i++ // [
	a := []any{}
	r.space()
	if r.i < len(r.b) && r.b[r.i] == ']' {
		r.i++
		return a, nil
	}
	for {
		v, err := r.value(depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		r.space()
		if r.i < len(r.b) {
			switch r.b[r.i] {
			case ',':
				r.i++
				r.space()
				continue
			case ']':
				r.i++
				return a, nil
			}
		}
		return nil, r.errorf("want ',' or ']' in an array")
	}
}

// string reads a string token; r.b[r.i] is its opening quote.
func (r *jsonReader) string() (string, error) {
	r.i++
	start := r.i
	// Fast path: printable ASCII without escapes.
	for r.i < len(r.b) {
		c := r.b[r.i]
		if c == '"' {
			s := string(r.b[start:r.i])
			r.i++
			return s, nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		r.i++
	}
	buf := append([]byte(nil), r.b[start:r.i]...)
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return string(buf), nil
		case c < 0x20:
			return "", r.errorf("control character in a string")
		case c >= utf8.RuneSelf:
			ru, size := utf8.DecodeRune(r.b[r.i:])
			buf = utf8.AppendRune(buf, ru) // RuneError for invalid UTF-8
			r.i += size
		case c != '\\':
			buf = append(buf, c)
			r.i++
		default:
			r.i++
			if r.i >= len(r.b) {
				return "", r.errorf("unexpected end of input in a string")
			}
			e := r.b[r.i]
			r.i++
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				ru, ok := r.hex4()
				if !ok {
					return "", r.errorf("bad \\u escape")
				}
				if utf16.IsSurrogate(ru) {
					// A pair makes one rune; anything else is U+FFFD and
					// leaves what follows to be read on its own.
					save := r.i
					if r.literal(`\u`) {
						if lo, ok := r.hex4(); ok {
							if pair := utf16.DecodeRune(ru, lo); pair != utf8.RuneError {
								buf = utf8.AppendRune(buf, pair)
								continue
							}
						}
					}
					r.i = save
					ru = utf8.RuneError
				}
				buf = utf8.AppendRune(buf, ru)
			default:
				return "", r.errorf("bad escape \\%c", e)
			}
		}
	}
	return "", r.errorf("unexpected end of input in a string")
}

func (r *jsonReader) hex4() (rune, bool) {
	if len(r.b)-r.i < 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(r.b[r.i:r.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	r.i += 4
	return rune(v), true
}

// number reads a number token: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (r *jsonReader) number() (any, error) {
	start := r.i
	if r.b[r.i] == '-' {
		r.i++
	}
	digits := func() int {
		n := 0
		for r.i < len(r.b) && '0' <= r.b[r.i] && r.b[r.i] <= '9' {
			r.i++
			n++
		}
		return n
	}
	switch {
	case r.i < len(r.b) && r.b[r.i] == '0':
		r.i++
	case digits() == 0:
		return nil, r.errorf("malformed number")
	}
	if r.i < len(r.b) && r.b[r.i] == '.' {
		r.i++
		if digits() == 0 {
			return nil, r.errorf("malformed number")
		}
	}
	if r.i < len(r.b) && (r.b[r.i] == 'e' || r.b[r.i] == 'E') {
		r.i++
		if r.i < len(r.b) && (r.b[r.i] == '+' || r.b[r.i] == '-') {
			r.i++
		}
		if digits() == 0 {
			return nil, r.errorf("malformed number")
		}
	}
	return json.Number(r.b[start:r.i]), nil
}
