package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/faceid-emulator/faceid-emulator/catalog"
)

// v1Required lists the parameters a v1 request must carry, in the order the
// real gateway reports them missing.
var v1Required = [...]string{"Action", "Version", "SecretId", "Timestamp", "Nonce", "Signature"}

const v1SignatureParam = "Signature"

// first returns the first value of p[k], "" when absent.
func first(p url.Values, k string) string {
	if vs := p[k]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// v1Scheme applies the documented rule: HMAC-SHA256 only when
// SignatureMethod is exactly "HmacSHA256", HMAC-SHA1 otherwise (absent,
// misspelt, other case).
func v1Scheme(method string) Scheme {
	if method == string(HmacSHA256) {
		return HmacSHA256
	}
	return HmacSHA1
}

func v1Common(p url.Values) Common {
	return Common{
		Scheme:        v1Scheme(first(p, "SignatureMethod")),
		Action:        first(p, "Action"),
		Version:       first(p, "Version"),
		Region:        first(p, "Region"),
		Language:      first(p, "Language"),
		RequestClient: first(p, "RequestClient"),
		Token:         first(p, "Token"),
		SecretID:      first(p, "SecretId"),
		Nonce:         first(p, "Nonce"),
	}
}

func peekV1(r *Request) Common {
	p := r.Params
	if p == nil {
		// Best effort only: Verify never does this (see Request.Params).
		if r.Method == http.MethodGet {
			p, _ = url.ParseQuery(r.RawQuery)
		} else if mt, _, err := mime.ParseMediaType(header(r.Header, hContentType)); err == nil && mt == "application/x-www-form-urlencoded" {
			p, _ = url.ParseQuery(string(r.Body))
		}
	}
	c := v1Common(p)
	c.Timestamp, _ = parseTimestamp(first(p, "Timestamp"))
	return c
}

// sortedKeys returns the parameter names except Signature in plain byte
// order (the doc's example: "InstanceIds.12" sorts before "InstanceIds.2").
// into is reused storage so that typical requests sort on the stack.
func sortedKeys(into []string, p url.Values) []string {
	keys := into[:0]
	for k := range p {
		if k != v1SignatureParam {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// appendV1Query appends "/?k1=v1&k2=v2..." with the decoded values as they
// are: the v1 string to sign is not URL-encoded. A repeated parameter
// contributes every value, in the order received.
func appendV1Query(b []byte, p url.Values, keys []string) []byte {
	b = append(b, "/?"...)
	n := 0
	for _, k := range keys {
		for _, val := range p[k] {
			if n > 0 {
				b = append(b, '&')
			}
			n++
			b = append(b, k...)
			b = append(b, '=')
			b = append(b, val...)
		}
	}
	return b
}

// StringToSignV1 returns the legacy v1 string to sign:
// METHOD + host + "/?" + the sorted k=v pairs of params (except Signature),
// joined with "&", values decoded.
func StringToSignV1(method, host string, params url.Values) string {
	var arr [32]string
	q := appendV1Query(nil, params, sortedKeys(arr[:], params))
	return method + host + string(q)
}

// SignV1 returns the base64 v1 signature of a request. scheme HmacSHA256
// selects HMAC-SHA256, anything else HMAC-SHA1 (as the server decides from
// SignatureMethod). params should not contain Signature; it is ignored if
// it does.
func SignV1(secretKey string, scheme Scheme, method, host string, params url.Values) string {
	h := sha1.New
	if scheme == HmacSHA256 {
		h = sha256.New
	}
	m := hmac.New(h, []byte(secretKey))
	m.Write([]byte(StringToSignV1(method, host, params)))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (v *Verifier) verifyV1(r *Request) (Common, *Failure) {
	p := r.Params
	c := v1Common(p)
	for _, name := range v1Required {
		if first(p, name) == "" {
			return fail(c, catalog.Missing(name))
		}
	}
	ts, st := parseTimestamp(first(p, "Timestamp"))
	c.Timestamp = ts
	if st == tsNotInt {
		return fail(c, catalog.WrongType("Timestamp"))
	}
	// The real API answers "Parameter `Nonce` type error." for a non-integer
	// Nonce; every SDK sends a decimal random number.
	if !isInteger(c.Nonce) {
		return fail(c, catalog.WrongType("Nonce"))
	}
	if !v.skewOK(ts, st) {
		return fail(c, catalog.New(catalog.SignatureExpire))
	}
	cred := v.creds[c.SecretID]
	if cred == nil {
		return fail(c, catalog.New(catalog.SecretIDNotFound))
	}

	want := first(p, v1SignatureParam)
	if strings.IndexByte(want, ' ') >= 0 {
		// Base64 has no space: a space is a "+" that a client put in the
		// query unescaped and form decoding turned into " ".
		want = strings.ReplaceAll(want, " ", "+")
	}
	signer := cred.sha1
	if c.Scheme == HmacSHA256 {
		signer = cred.sha256
	}

	s := v.getScratch()
	var arr [32]string
	s.buf2 = appendV1Query(s.buf2[:0], p, sortedKeys(arr[:], p))
	host, matched := v.matchV1(s, signer, r.Method, r.Host, want)
	if !matched {
		d := &Diagnostics{
			Scheme:         c.Scheme,
			StringToSign:   elideLong(r.Method + r.Host + string(s.buf2)),
			HostCandidates: hostCandidates(r.Host, v.aliases, false),
			Hint: "no host candidate matched; signed with " + string(c.Scheme) +
				" (SignatureMethod " + strconv.Quote(first(p, "SignatureMethod")) +
				": HmacSHA256 only when exactly \"HmacSHA256\"); check the secret key and that every sent parameter was signed with its decoded value",
		}
		v.putScratch(s)
		return c, &Failure{Err: catalog.New(catalog.SignatureFailure), Common: c, Diagnostics: d}
	}
	v.putScratch(s)
	// v1 signs Token, so a wrong token sent by the signer itself still
	// reaches this check and gets the token error, as in TC3.
	if cred.Token != "" && !equalCT(c.Token, cred.Token) {
		return fail(c, catalog.New(catalog.TokenFailure))
	}
	c.SignedHost = host
	return c, nil
}

// matchV1 tries the Host as received, then the aliases (with and without
// the request's port). Every SDK signs the v1 host with its port, Node too.
func (v *Verifier) matchV1(s *scratch, signer *hmacPool, method, host, want string) (string, bool) {
	if s.matchV1(signer, method, host, want) {
		return host, true
	}
	_, port := splitPort(host)
	for _, al := range v.aliases {
		if al != host && s.matchV1(signer, method, al, want) {
			return al, true
		}
		if _, ap := splitPort(al); ap == "" && port != "" {
			if alp := al + ":" + port; alp != host && s.matchV1(signer, method, alp, want) {
				return alp, true
			}
		}
	}
	return "", false
}

func (s *scratch) matchV1(signer *hmacPool, method, host, want string) bool {
	s.buf = append(s.buf[:0], method...)
	s.buf = append(s.buf, host...)
	s.buf = append(s.buf, s.buf2...)
	m := signer.get()
	m.Write(s.buf)
	mac := m.Sum(s.sum[:0])
	signer.put(m)
	n := base64.StdEncoding.EncodedLen(len(mac))
	base64.StdEncoding.Encode(s.b64[:n], mac)
	return equalCT(s.b64[:n], want)
}

// V1Request describes a legacy-signature request for tools that must sign
// without an SDK (the load generator, test catalogues).
type V1Request struct {
	SecretID, SecretKey string
	Method              string // GET or POST
	Host                string // as sent, with any port
	Action, Version     string
	Region              string
	Timestamp           int64
	Nonce               string
	// Params are the business parameters and any further common ones
	// (Language, RequestClient, Token).
	Params url.Values
}

// Signed returns every parameter of the request, Signature included,
// signed with HmacSHA256 as the Node SDK does by default.
func (r V1Request) Signed() url.Values {
	p := url.Values{}
	for k, v := range r.Params {
		p[k] = v
	}
	p.Set("Action", r.Action)
	p.Set("Version", r.Version)
	p.Set("Region", r.Region)
	p.Set("Timestamp", strconv.FormatInt(r.Timestamp, 10))
	p.Set("Nonce", r.Nonce)
	p.Set("SecretId", r.SecretID)
	p.Set("SignatureMethod", string(HmacSHA256))
	p.Set(v1SignatureParam, SignV1(r.SecretKey, HmacSHA256, r.Method, r.Host, p))
	return p
}
