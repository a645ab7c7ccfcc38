package api

import (
	"net/url"
	"strings"
)

// maxFormParams is net/url's default limit on the number of parameters
// (GODEBUG urlmaxqueryparams); a query with more parses as empty.
const maxFormParams = 10000

// ParseForm parses a query string or an application/x-www-form-urlencoded
// body exactly as url.ParseQuery does (errors are dropped with the pair they
// concern, as the gateway always did), with one difference that matters: no
// value shares memory with s. url.ParseQuery returns substrings of its input
// for values without escapes, so a session (SecretId, Extra, RedirectURL
// ...) or a journal record (RequestClient) keeping one such value would keep
// the whole body alive, a CompareImageBase64 of up to 1 MB included. Keys
// without escapes are substrings of s: they live only as long as the map,
// which is the request's.
//
// It allocates little: the small values (the dozen common parameters of a
// legacy request) are unescaped into one shared string, up to arenaMax
// bytes in all, so a value kept from it keeps at most that much alive;
// larger values get their own. The map is sized up front and single values
// share one backing array.
func ParseForm(s string) url.Values {
	if strings.Count(s, "&")+1 > maxFormParams {
		return url.Values{}
	}
	type pair struct {
		key, raw string
		at, size int // at < 0: not in the arena
	}
	var stack [24]pair
	pairs := stack[:0]
	arenaLen := 0
	for rest := s; rest != ""; {
		var kv string
		kv, rest, _ = strings.Cut(rest, "&")
		if kv == "" || strings.Contains(kv, ";") {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		key, ok := unescapeQuery(k, false)
		if !ok {
			continue
		}
		size, ok := unescapedLen(v)
		if !ok {
			continue
		}
		p := pair{key: key, raw: v, at: -1, size: size}
		if size <= arenaValueMax && arenaLen+size <= arenaMax {
			p.at = arenaLen
			arenaLen += size
		}
		pairs = append(pairs, p)
	}
	var b strings.Builder
	b.Grow(arenaLen)
	for _, p := range pairs {
		if p.at >= 0 {
			writeUnescaped(&b, p.raw)
		}
	}
	arena := b.String()

	m := make(url.Values, len(pairs))
	backing := make([]string, 0, len(pairs))
	for _, p := range pairs {
		var val string
		if p.at >= 0 {
			val = arena[p.at : p.at+p.size]
		} else {
			val, _ = unescapeQuery(p.raw, true)
		}
		if old, dup := m[p.key]; dup {
			m[p.key] = append(old, val)
			continue
		}
		backing = append(backing, val)
		i := len(backing) - 1
		m[p.key] = backing[i : i+1 : i+1]
	}
	return m
}

// Values of at most arenaValueMax bytes share the arena, up to arenaMax
// bytes in all.
const (
	arenaValueMax = 256
	arenaMax      = 4 << 10
)

// unescapedLen is the length of url.QueryUnescape(s); ok is false where
// QueryUnescape fails.
func unescapedLen(s string) (int, bool) {
	n := len(s)
	for i := strings.IndexByte(s, '%'); i >= 0; {
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return 0, false
		}
		n -= 2
		j := strings.IndexByte(s[i+3:], '%')
		if j < 0 {
			break
		}
		i += 3 + j
	}
	return n, true
}

// writeUnescaped writes url.QueryUnescape(s) to b; s must be valid (see
// unescapedLen). Runs without escapes are copied whole.
func writeUnescaped(b *strings.Builder, s string) {
	for s != "" {
		i := strings.IndexAny(s, "%+")
		if i < 0 {
			b.WriteString(s)
			return
		}
		b.WriteString(s[:i])
		if s[i] == '+' {
			b.WriteByte(' ')
			s = s[i+1:]
			continue
		}
		b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
		s = s[i+3:]
	}
}

// unescapeQuery is url.QueryUnescape; ok is false where QueryUnescape
// fails. With detach the result never shares memory with s.
func unescapeQuery(s string, detach bool) (string, bool) {
	size, ok := unescapedLen(s)
	if !ok {
		return "", false
	}
	if size == len(s) && strings.IndexByte(s, '+') < 0 {
		if detach {
			return strings.Clone(s), true
		}
		return s, true
	}
	var b strings.Builder
	b.Grow(size)
	writeUnescaped(&b, s)
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
