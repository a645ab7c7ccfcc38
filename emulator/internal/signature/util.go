package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"hash"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Canonical (net/http) spellings of the headers the verifier reads. Verify
// and Peek first bring the header map to canonical keys (see
// canonicalHeader), so every lookup is one map access.
const (
	hAuthorization = "Authorization"
	hContentType   = "Content-Type"
	hAction        = "X-Tc-Action"
	hVersion       = "X-Tc-Version"
	hTimestamp     = "X-Tc-Timestamp"
	hRegion        = "X-Tc-Region"
	hLanguage      = "X-Tc-Language"
	hRequestClient = "X-Tc-Requestclient"
	hToken         = "X-Tc-Token"
	hContentSHA256 = "X-Tc-Content-Sha256"
)

// canonicalHeader returns h itself (copied false) when every key is in canonical form,
// which is always so for a request read by net/http's server. A header
// built by hand may spell a name in any case, or twice ("Authorization"
// and "authorization"): it gets a copy with canonical keys whose values
// are those of every spelling, so a duplicate still counts as one.
func canonicalHeader(h http.Header) (_ http.Header, copied bool) {
	canonical := true
	for k := range h {
		if textproto.CanonicalMIMEHeaderKey(k) != k {
			canonical = false
			break
		}
	}
	if canonical {
		return h, false
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		old, seen := out[ck]
		switch {
		case !seen && vs == nil:
			out[ck] = []string{} // present, without values
		case !seen:
			out[ck] = vs
		default:
			out[ck] = append(append([]string{}, old...), vs...)
		}
	}
	return out, true
}

// header returns the first value of the header named name, a canonical
// key, in a canonical header map.
func header(h http.Header, name string) string {
	if vs := h[name]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// presentValues returns the values of a header that is present, never nil
// then, and nil for an absent one.
func presentValues(h http.Header, name string) []string {
	vs, ok := h[name]
	if ok && vs == nil {
		return []string{}
	}
	return vs
}

// signedHeaderKey maps a signed header name (lower case, as in the
// Authorization's SignedHeaders) to its canonical key; the names SDKs sign
// are answered without the allocation of canonicalising.
func signedHeaderKey(name string) string {
	switch name {
	case "x-tc-action":
		return hAction
	case "x-tc-version":
		return hVersion
	case "x-tc-timestamp":
		return hTimestamp
	case "x-tc-region":
		return hRegion
	case "x-tc-language":
		return hLanguage
	case "x-tc-requestclient":
		return hRequestClient
	case "x-tc-token":
		return hToken
	case "x-tc-content-sha256":
		return hContentSHA256
	}
	return textproto.CanonicalMIMEHeaderKey(name)
}

// splitPort returns host without a trailing ":port" and the port ("" when
// there is none). IPv6 literals keep their brackets, as Node's URL.hostname
// does.
func splitPort(host string) (string, string) {
	i := strings.LastIndexByte(host, ':')
	if i < 0 {
		return host, ""
	}
	port := host[i+1:]
	for j := 0; j < len(port); j++ {
		if port[j] < '0' || port[j] > '9' {
			return host, ""
		}
	}
	name := host[:i]
	if strings.IndexByte(name, ':') >= 0 && !(strings.HasPrefix(name, "[") && strings.HasSuffix(name, "]")) {
		return host, "" // bare IPv6 address without a port
	}
	return name, port
}

// hostCandidates lists, in order and without duplicates, the host values a
// client may have signed: the Host as received, the Host without its port
// (Node's TC3 path), then each alias with and without the request's port.
func hostCandidates(host string, aliases []string, stripPort bool) []string {
	out := make([]string, 0, 2+2*len(aliases))
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	add(host)
	bare, port := splitPort(host)
	if stripPort {
		add(bare)
	}
	for _, a := range aliases {
		add(a)
		if _, ap := splitPort(a); ap == "" && port != "" {
			add(a + ":" + port)
		}
	}
	return out
}

type tsState uint8

const (
	tsOK         tsState = iota
	tsNotInt             // not a decimal integer: InvalidParameter
	tsOutOfRange         // an integer beyond int64: always outside the window
)

// parseTimestamp parses a decimal Unix time. An integer too large for int64
// is still an integer (so SignatureExpire, not a type error).
func parseTimestamp(s string) (int64, tsState) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		return n, tsOK
	}
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		return n, tsOutOfRange
	}
	return 0, tsNotInt
}

// isInteger reports whether s is an optionally signed run of decimal digits
// of any length.
func isInteger(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// utcDate writes the YYYY-MM-DD UTC date of ts. ok is false for years that
// cannot be written in four digits (no credential date can match them).
func utcDate(ts int64) (d [10]byte, ok bool) {
	y, m, day := time.Unix(ts, 0).UTC().Date()
	if y < 0 || y > 9999 {
		return d, false
	}
	d[0] = byte('0' + y/1000)
	d[1] = byte('0' + y/100%10)
	d[2] = byte('0' + y/10%10)
	d[3] = byte('0' + y%10)
	d[4] = '-'
	d[5] = byte('0' + int(m)/10)
	d[6] = byte('0' + int(m)%10)
	d[7] = '-'
	d[8] = byte('0' + day/10)
	d[9] = byte('0' + day%10)
	return d, true
}

// equalCT compares a computed value with a received one in time independent
// of the content (the length is not secret).
func equalCT[A, B ~string | ~[]byte](computed A, received B) bool {
	if len(computed) != len(received) {
		return false
	}
	var x byte
	for i := 0; i < len(computed); i++ {
		x |= computed[i] ^ received[i]
	}
	return x == 0
}

// credential is a configured key with the HMAC state it needs, prepared once.
type credential struct {
	Credential
	tc3Key []byte // "TC3" + SecretKey: the first TC3 derivation key
	sha1   *hmacPool
	sha256 *hmacPool
}

func newCredential(c Credential) *credential {
	key := []byte(c.SecretKey)
	return &credential{
		Credential: c,
		tc3Key:     []byte("TC3" + c.SecretKey),
		sha1:       newHMACPool(sha1.New, key),
		sha256:     newHMACPool(sha256.New, key),
	}
}

// hmacPool reuses keyed HMAC states: hmac.New costs several allocations and
// two key-block hashes, Reset costs neither.
type hmacPool struct{ p sync.Pool }

func newHMACPool(h func() hash.Hash, key []byte) *hmacPool {
	k := append([]byte(nil), key...)
	hp := &hmacPool{}
	hp.p.New = func() any { return hmac.New(h, k) }
	return hp
}

func (hp *hmacPool) get() hash.Hash { return hp.p.Get().(hash.Hash) }

func (hp *hmacPool) put(h hash.Hash) {
	h.Reset()
	hp.p.Put(h)
}

// keyCache holds TC3 signing keys per (credential, date, service), as keyed
// HMAC pools. It is per Verifier and bounded; when full, an arbitrary entry
// is evicted (Go map iteration order is unspecified, so it is random-ish).
type keyCache struct {
	mu  sync.RWMutex
	m   map[cacheKey]*hmacPool
	cap int
}

type cacheKey struct {
	cred          *credential
	date, service string
}

func (kc *keyCache) init(n int) {
	kc.m = make(map[cacheKey]*hmacPool)
	kc.cap = n
}

// signer returns the HMAC pool keyed with the TC3 signing key for the scope.
func (kc *keyCache) signer(c *credential, date, service string) *hmacPool {
	k := cacheKey{c, date, service}
	kc.mu.RLock()
	hp := kc.m[k]
	kc.mu.RUnlock()
	if hp != nil {
		return hp
	}
	sk := deriveTC3(c.tc3Key, date, service)
	hp = newHMACPool(sha256.New, sk[:])
	// Clone so the map does not pin the request's header strings.
	k.date, k.service = strings.Clone(date), strings.Clone(service)
	kc.mu.Lock()
	if old := kc.m[k]; old != nil {
		hp = old
	} else {
		if len(kc.m) >= kc.cap {
			for victim := range kc.m {
				delete(kc.m, victim)
				break
			}
		}
		kc.m[k] = hp
	}
	kc.mu.Unlock()
	return hp
}

// deriveTC3 computes SecretSigning = HMAC(HMAC(HMAC("TC3"+key, date), service), "tc3_request").
func deriveTC3(tc3Key []byte, date, service string) [32]byte {
	var out [32]byte
	m := hmac.New(sha256.New, tc3Key)
	m.Write([]byte(date))
	k1 := m.Sum(nil)
	m = hmac.New(sha256.New, k1)
	m.Write([]byte(service))
	k2 := m.Sum(nil)
	m = hmac.New(sha256.New, k2)
	m.Write([]byte("tc3_request"))
	m.Sum(out[:0])
	return out
}

// maxDiagnosticPart bounds one parameter or line of a diagnostic: longer
// ones are elided, so an image sent in a query or a legacy form never ends
// up in the journal, the dashboard or a log.
const maxDiagnosticPart = 256

// elideLong shortens every "&"- or newline-separated part of s that is
// longer than maxDiagnosticPart, keeping its start and saying how much was
// left out.
func elideLong(s string) string {
	if len(s) <= maxDiagnosticPart {
		return s
	}
	var b strings.Builder
	start := 0
	flush := func(end int) {
		part := s[start:end]
		if len(part) > maxDiagnosticPart {
			b.WriteString(part[:64])
			b.WriteString("…(")
			b.WriteString(strconv.Itoa(len(part) - 64))
			b.WriteString(" bytes elided)")
		} else {
			b.WriteString(part)
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '&' || s[i] == '\n' {
			flush(i)
			b.WriteByte(s[i])
			start = i + 1
		}
	}
	flush(len(s))
	return b.String()
}
