// Package jsonw appends JSON values exactly as encoding/json writes them,
// for the response models that encode themselves on the request path
// instead of going through encoding/json's reflection.
package jsonw

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// String appends s as a JSON string, byte for byte as json.Marshal does
// (with its HTML escaping of <, > and &).
func String(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			// Escapes, non-ASCII (U+2028, invalid UTF-8): encoding/json's
			// own rules. Rare on the request path.
			out, _ := json.Marshal(s)
			return append(b, out...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// StringPtr appends *s, or null for nil.
func StringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return String(b, *s)
}

// Int64Ptr appends *n, or null for nil.
func Int64Ptr(b []byte, n *int64) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *n, 10)
}
