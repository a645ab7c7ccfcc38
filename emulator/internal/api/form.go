package api

import (
	"net/url"
	"strings"
)

// maxFormParams is net/url's default limit on the number of parameters
// (GODEBUG urlmaxqueryparams); a query with more parses as empty.
const maxFormParams = 10000

// parseForm parses a query string or an application/x-www-form-urlencoded
// body exactly as url.ParseQuery does (errors are dropped with the pair they
// concern, as the gateway always did), with one difference that matters: no
// value shares memory with s. url.ParseQuery returns substrings of its input
// for values without escapes, so a session (SecretId, Extra, RedirectURL
// ...) or a journal record (RequestClient) keeping one such value would keep
// the whole body alive, a CompareImageBase64 of up to 1 MB included. Keys
// without escapes are substrings of s: they live only as long as the map,
// which is the request's. It also sizes the map up front and gives single
// values one shared backing array.
func parseForm(s string) url.Values {
	n := strings.Count(s, "&") + 1
	if n > maxFormParams {
		return url.Values{}
	}
	m := make(url.Values, n)
	backing := make([]string, 0, n)
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, ok := unescapeQuery(k, false)
		if !ok {
			continue
		}
		val, ok := unescapeQuery(v, true)
		if !ok {
			continue
		}
		if old, dup := m[key]; dup {
			m[key] = append(old, val)
			continue
		}
		backing = append(backing, val)
		i := len(backing) - 1
		m[key] = backing[i : i+1 : i+1]
	}
	return m
}

// unescapeQuery is url.QueryUnescape; ok is false where QueryUnescape
// fails. With detach the result never shares memory with s.
func unescapeQuery(s string, detach bool) (string, bool) {
	escapes, plus := 0, false
	for i := 0; i < len(s); {
		switch s[i] {
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", false
			}
			escapes++
			i += 3
		case '+':
			plus = true
			i++
		default:
			i++
		}
	}
	if escapes == 0 && !plus {
		if detach {
			return strings.Clone(s), true
		}
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s) - 2*escapes)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%':
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		case '+':
			b.WriteByte(' ')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
