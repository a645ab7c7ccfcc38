package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"github.com/faceid-emulator/faceid-emulator/catalog"
)

const (
	tc3Prefix     = "TC3-HMAC-SHA256 "
	tc3Terminator = "tc3_request"
	unsignedMark  = "UNSIGNED-PAYLOAD"
	// Hex SHA-256 of "UNSIGNED-PAYLOAD": the payload hash when
	// X-TC-Content-SHA256 says the body is not signed.
	unsignedPayloadHash = "438d4109ef0d676b8c2c7ed13cdfcb418e494d53b843d4634ce3b1085f07bb96"
	sdkSignedHeaders    = "content-type;host"
)

// authorization is a parsed TC3 Authorization header.
type authorization struct {
	secretID, date, service string
	signedHeaders           string
	signature               [sha256.Size]byte
}

// parseAuthorization parses
//
//	TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request, SignedHeaders=<a;b>, Signature=<64 hex>
//
// The parts are split on "," and trimmed, so any spacing and order is
// accepted; everything else that deviates is malformed. Fields are filled
// as far as parsing got even when ok is false, so a failure can still be
// journaled with its SecretId.
func parseAuthorization(v string) (a authorization, ok bool) {
	if !strings.HasPrefix(v, tc3Prefix) {
		return a, false
	}
	ok = true
	var haveCred, haveHeaders, haveSig bool
	rest := v[len(tc3Prefix):]
	for {
		part, more, found := strings.Cut(rest, ",")
		// An empty part (",," or a trailing ",") has no "=" and fails here.
		name, val, hasEq := strings.Cut(strings.TrimSpace(part), "=")
		if !hasEq || val == "" {
			ok = false
		} else {
			switch name {
			case "Credential":
				if haveCred {
					ok = false
					break
				}
				haveCred = true
				if !parseCredential(val, &a) {
					ok = false
				}
			case "SignedHeaders":
				if haveHeaders {
					ok = false
					break
				}
				haveHeaders = true
				a.signedHeaders = val
				if !validSignedHeaders(val) {
					ok = false
				}
			case "Signature":
				if haveSig {
					ok = false
					break
				}
				haveSig = true
				// hex.Decode accepts either case; the length check makes a
				// short or long signature malformed rather than just wrong.
				if len(val) != 2*sha256.Size {
					ok = false
				} else if _, err := hex.Decode(a.signature[:], []byte(val)); err != nil {
					ok = false
				}
			default:
				ok = false
			}
		}
		if !found {
			break
		}
		rest = more
	}
	return a, ok && haveCred && haveHeaders && haveSig
}

// parseCredential parses <SecretId>/<YYYY-MM-DD>/<service>/tc3_request.
func parseCredential(val string, a *authorization) bool {
	id, rest, found := strings.Cut(val, "/")
	a.secretID = id
	if !found {
		return false
	}
	date, rest, found := strings.Cut(rest, "/")
	a.date = date
	if !found {
		return false
	}
	service, term, found := strings.Cut(rest, "/")
	a.service = service
	if !found {
		return false
	}
	return id != "" && isDate(date) && service != "" && term == tc3Terminator
}

// isDate checks the YYYY-MM-DD shape (not the calendar: a wrong date simply
// cannot match the timestamp's date later).
func isDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 4 || i == 7 {
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validSignedHeaders requires a ";"-separated list of lower-case header
// names, each an HTTP token, none repeated.
func validSignedHeaders(s string) bool {
	for rest := s; ; {
		name, more, found := strings.Cut(rest, ";")
		if name == "" {
			return false // empty list, ";;" or a trailing ";"
		}
		for i := 0; i < len(name); i++ {
			if !isLowerTokenChar(name[i]) {
				return false
			}
		}
		if hasName(more, name) {
			return false
		}
		if !found {
			return true
		}
		rest = more
	}
}

func isLowerTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// hasName reports whether the ";"-list contains name.
func hasName(list, name string) bool {
	for list != "" {
		var n string
		n, list, _ = strings.Cut(list, ";")
		if n == name {
			return true
		}
	}
	return false
}

// tc3Input is everything of a request that goes into its canonical form,
// except the two values that vary between candidates (host, content-type).
type tc3Input struct {
	method, query string
	signedHeaders string
	header        http.Header
	payloadHash   []byte // lower-case hex
	timestamp     string // X-TC-Timestamp exactly as signed
	date, service string // from the credential scope
}

// canonicalQuery is the query that goes into the canonical request: every
// SDK signs the raw query for GET and nothing for any other method.
func canonicalQuery(method, rawQuery string) string {
	if method == http.MethodGet {
		return rawQuery
	}
	return ""
}

// appendCanonical appends the canonical request for one candidate. The URI
// is always "/": SDKs that send a path prefix still sign "/".
func appendCanonical(b []byte, in *tc3Input, host, contentType string) []byte {
	b = append(b, in.method...)
	b = append(b, "\n/\n"...)
	b = append(b, in.query...)
	b = append(b, '\n')
	for list := in.signedHeaders; list != ""; {
		var name string
		name, list, _ = strings.Cut(list, ";")
		b = append(b, name...)
		b = append(b, ':')
		switch name {
		case "host":
			b = append(b, strings.TrimSpace(host)...)
		case "content-type":
			b = append(b, strings.TrimSpace(contentType)...)
		default:
			b = append(b, strings.TrimSpace(header(in.header, signedHeaderKey(name)))...)
		}
		b = append(b, '\n')
	}
	b = append(b, '\n')
	b = append(b, in.signedHeaders...)
	b = append(b, '\n')
	b = append(b, in.payloadHash...)
	return b
}

// appendStringToSign appends the TC3 string to sign for a canonical request
// hash.
func appendStringToSign(b []byte, in *tc3Input, canonicalHash *[sha256.Size]byte) []byte {
	b = append(b, "TC3-HMAC-SHA256\n"...)
	b = append(b, in.timestamp...)
	b = append(b, '\n')
	b = append(b, in.date...)
	b = append(b, '/')
	b = append(b, in.service...)
	b = append(b, "/tc3_request\n"...)
	return hex.AppendEncode(b, canonicalHash[:])
}

// scratch is the per-verification working memory, pooled so that the hot
// path does not allocate.
type scratch struct {
	buf     []byte // canonical request, then string to sign
	buf2    []byte // v1: the "/?k=v&..." part shared by all host candidates
	sum     [sha256.Size]byte
	b64     [44]byte              // base64 of a SHA-256 (or SHA-1) MAC
	payload [2 * sha256.Size]byte // TC3: hex payload hash
}

// matches reports whether the signature computed for one candidate equals
// want, in constant time.
func (in *tc3Input) matches(s *scratch, signer *hmacPool, host, contentType string, want *[sha256.Size]byte) bool {
	s.buf = appendCanonical(s.buf[:0], in, host, contentType)
	crHash := sha256.Sum256(s.buf)
	s.buf = appendStringToSign(s.buf[:0], in, &crHash)
	m := signer.get()
	m.Write(s.buf)
	m.Sum(s.sum[:0])
	signer.put(m)
	return hmac.Equal(s.sum[:], want[:])
}

// tc3Common reads the common parameters a TC3 request carries in headers.
func tc3Common(h http.Header) Common {
	return Common{
		Scheme:        TC3,
		Action:        header(h, hAction),
		Version:       header(h, hVersion),
		Region:        header(h, hRegion),
		Language:      header(h, hLanguage),
		RequestClient: header(h, hRequestClient),
		Token:         header(h, hToken),
	}
}

func peekTC3(r *Request, auth []string) Common {
	c := tc3Common(r.Header)
	if len(auth) > 0 {
		a, _ := parseAuthorization(auth[0])
		c.SecretID, c.Service = a.secretID, a.service
	}
	c.Timestamp, _ = parseTimestamp(strings.TrimSpace(header(r.Header, hTimestamp)))
	return c
}

func (v *Verifier) verifyTC3(r *Request, auth []string) (Common, *Failure) {
	c := tc3Common(r.Header)
	if len(auth) != 1 {
		return fail(c, catalog.New(catalog.InvalidAuthorization))
	}
	a, ok := parseAuthorization(auth[0])
	c.SecretID, c.Service = a.secretID, a.service
	if !ok {
		return fail(c, catalog.New(catalog.InvalidAuthorization))
	}
	if c.Action == "" {
		return fail(c, catalog.Missing("Action"))
	}
	if c.Version == "" {
		return fail(c, catalog.Missing("Version"))
	}
	tsRaw := strings.TrimSpace(header(r.Header, hTimestamp))
	if tsRaw == "" {
		return fail(c, catalog.Missing("Timestamp"))
	}
	ts, st := parseTimestamp(tsRaw)
	c.Timestamp = ts
	if st == tsNotInt {
		return fail(c, catalog.WrongType("Timestamp"))
	}
	if !v.skewOK(ts, st) {
		return fail(c, catalog.New(catalog.SignatureExpire))
	}
	cred := v.creds[a.secretID]
	if cred == nil {
		return fail(c, catalog.New(catalog.SecretIDNotFound))
	}

	in := tc3Input{
		method:        r.Method,
		query:         canonicalQuery(r.Method, r.RawQuery),
		signedHeaders: a.signedHeaders,
		header:        r.Header,
		timestamp:     tsRaw,
		date:          a.date,
		service:       a.service,
	}
	// The scratch holds the payload hash that in refers to, so it is kept
	// until the diagnostics are built.
	s := v.getScratch()
	defer v.putScratch(s)
	unsigned := strings.TrimSpace(header(r.Header, hContentSHA256)) == unsignedMark
	if unsigned {
		copy(s.payload[:], unsignedPayloadHash)
	} else {
		sum := sha256.Sum256(r.Body) // the body is hashed once for all candidates
		hex.Encode(s.payload[:], sum[:])
	}
	in.payloadHash = s.payload[:]
	contentType := header(r.Header, hContentType)

	// The doc requires the scope date to be the UTC date of X-TC-Timestamp;
	// every SDK derives it that way, so a mismatch is never an SDK quirk.
	date, hasDate := utcDate(ts)
	hasDate = hasDate && st == tsOK
	dateOK := hasDate && string(date[:]) == a.date
	signedHost, matched := "", false
	if dateOK {
		signer := v.keys.signer(cred, a.date, a.service)
		signedHost, matched = v.matchTC3(s, &in, signer, r.Host, contentType, &a.signature)
	}
	if !matched {
		d := v.tc3Diagnostics(&in, r.Host, contentType, unsigned)
		switch {
		case !hasDate:
			d.Hint = "X-TC-Timestamp " + tsRaw + " has no UTC date, so credential date " + a.date + " cannot match it"
		case !dateOK:
			d.Hint = "credential date " + a.date + " is not the UTC date " + string(date[:]) + " of X-TC-Timestamp " + tsRaw
		}
		return c, &Failure{Err: catalog.New(catalog.SignatureFailure), Common: c, Diagnostics: d}
	}
	if cred.Token != "" && !equalCT(header(r.Header, hToken), cred.Token) {
		return fail(c, catalog.New(catalog.TokenFailure))
	}
	c.SignedHost = signedHost
	return c, nil
}

// matchTC3 tries the host and content-type candidates in order and returns
// the host that matched. The common cases (Host as received, then Host
// without port) are tried before anything is allocated.
func (v *Verifier) matchTC3(s *scratch, in *tc3Input, signer *hmacPool, host, contentType string, want *[sha256.Size]byte) (string, bool) {
	signsHost := hasName(in.signedHeaders, "host")
	cts := [2]string{contentType}
	ncts := 1
	if hasName(in.signedHeaders, "content-type") {
		// The doc says values are lower-cased; no SDK does it, a hand-made
		// client following the doc might.
		if l := strings.ToLower(contentType); l != contentType {
			cts[1] = l
			ncts = 2
		}
	}
	try := func(h string) bool {
		for i := 0; i < ncts; i++ {
			if in.matches(s, signer, h, cts[i], want) {
				return true
			}
		}
		return false
	}
	if try(host) {
		return host, true
	}
	if !signsHost {
		return "", false // no other host can change the result
	}
	bare, port := splitPort(host)
	if bare != host && try(bare) {
		return bare, true
	}
	for _, al := range v.aliases {
		if al != host && al != bare && try(al) {
			return al, true
		}
		if _, ap := splitPort(al); ap == "" && port != "" {
			if alp := al + ":" + port; alp != host && try(alp) {
				return alp, true
			}
		}
	}
	return "", false
}

func (v *Verifier) tc3Diagnostics(in *tc3Input, host, contentType string, unsigned bool) *Diagnostics {
	signsHost := hasName(in.signedHeaders, "host")
	d := &Diagnostics{Scheme: TC3, SignedHeaders: in.signedHeaders}
	if signsHost {
		d.HostCandidates = hostCandidates(host, v.aliases, true)
	} else {
		d.HostCandidates = []string{host}
	}
	cr := appendCanonical(nil, in, host, contentType)
	d.CanonicalRequest = elideLong(string(cr))
	crHash := sha256.Sum256(cr)
	d.StringToSign = string(appendStringToSign(nil, in, &crHash))
	hint := "no host candidate matched (content-type tried as received and lower-cased)"
	if unsigned {
		hint += "; payload hashed as UNSIGNED-PAYLOAD because of X-TC-Content-SHA256"
	}
	if !signsHost {
		hint += "; host is not in SignedHeaders"
	}
	if in.signedHeaders != sdkSignedHeaders {
		hint += "; SignedHeaders differs from the SDKs' content-type;host"
	}
	d.Hint = hint + "; check the secret key, the body bytes, the signed header values and, for GET, the raw query"
	return d
}

func (v *Verifier) getScratch() *scratch { return v.scratch.Get().(*scratch) }

func (v *Verifier) putScratch(s *scratch) {
	if cap(s.buf) > maxPooledBuf || cap(s.buf2) > maxPooledBuf {
		return // a huge GET query should not pin memory
	}
	v.scratch.Put(s)
}

// maxPooledBuf caps the scratch buffers kept for reuse.
const maxPooledBuf = 64 << 10

// signTC3 computes the hex TC3 signature of the canonical request made of
// the given parts, signing exactly "content-type;host" as every SDK does.
func signTC3(secretKey, method, host, rawQuery, contentType, payloadHash, timestamp, date, service string) string {
	in := tc3Input{
		method:        method,
		query:         canonicalQuery(method, rawQuery),
		signedHeaders: sdkSignedHeaders,
		payloadHash:   []byte(payloadHash),
		timestamp:     timestamp,
		date:          date,
		service:       service,
	}
	cr := appendCanonical(nil, &in, host, contentType)
	crHash := sha256.Sum256(cr)
	sk := deriveTC3([]byte("TC3"+secretKey), date, service)
	m := hmac.New(sha256.New, sk[:])
	m.Write(appendStringToSign(nil, &in, &crHash))
	return hex.EncodeToString(m.Sum(nil))
}

// SignTC3 returns the lower-case hex TC3-HMAC-SHA256 signature the SDKs would
// compute for a request, signing "content-type;host" with the credential
// date taken from timestamp (UTC). rawQuery is signed only for GET, as the
// SDKs and the verifier do.
func SignTC3(secretKey, method, host, rawQuery, contentType string, body []byte, timestamp int64, service string) string {
	sum := sha256.Sum256(body)
	date, _ := utcDate(timestamp)
	return signTC3(secretKey, method, host, rawQuery, contentType, hex.EncodeToString(sum[:]),
		strconv.FormatInt(timestamp, 10), string(date[:]), service)
}

// AuthorizationTC3 returns the full Authorization header value for a request,
// in the exact format the SDKs emit. Send X-TC-Timestamp = timestamp with it.
func AuthorizationTC3(secretID, secretKey, method, host, rawQuery, contentType string, body []byte, timestamp int64, service string) string {
	date, _ := utcDate(timestamp)
	sig := SignTC3(secretKey, method, host, rawQuery, contentType, body, timestamp, service)
	return tc3Prefix + "Credential=" + secretID + "/" + string(date[:]) + "/" + service + "/" + tc3Terminator +
		", SignedHeaders=" + sdkSignedHeaders + ", Signature=" + sig
}
