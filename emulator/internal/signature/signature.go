// Package signature verifies Tencent Cloud API 3.0 request signatures (TC3-HMAC-SHA256 and legacy v1) and extracts the common parameters.
//
// The emulator must accept what the official SDKs (Go, Node.js, Python, Java,
// PHP) really send, which is not always what the documentation says: Node,
// Java and PHP put a scope service other than "faceid" in the credential when
// the endpoint is overridden, Node signs the host without its port, Java signs
// "application/json; charset=utf-8", and the ApigwEndpoint option rewrites the
// Host after signing. The verifier therefore takes the service and date from
// the request's own credential scope and tries a short, fixed list of host
// (and content-type) candidates, while still refusing anything whose HMAC does
// not match a configured secret key.
//
// Verify applies the checks in the order the real gateway does (parameters,
// then timestamp window, then SecretId, then signature, then token), so an
// SDK sees the same error code it would see from Tencent Cloud.
//
// The package also produces signatures (SignTC3, AuthorizationTC3, SignV1) for
// the project's own tools, which must not depend on an SDK.
package signature

import (
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
)

// Credential is one API key pair the emulator accepts.
type Credential struct {
	SecretID, SecretKey string
	// Token non-empty marks a temporary credential: requests must then carry
	// the same value in X-TC-Token (TC3) or Token (v1).
	Token string
}

// Scheme is the signature method of a request.
type Scheme string

// Signature methods of API 3.0.
const (
	TC3        Scheme = "TC3-HMAC-SHA256"
	HmacSHA1   Scheme = "HmacSHA1"
	HmacSHA256 Scheme = "HmacSHA256"
)

// Request is what the verifier needs of an already-read HTTP request.
type Request struct {
	Method   string      // as received, e.g. "POST", "GET"
	Host     string      // Host header as received (r.Host), may include :port
	RawQuery string      // r.URL.RawQuery unmodified
	Header   http.Header // header names are looked up case-insensitively (Go SDK sends X-Tc-Action, others X-TC-Action)
	Body     []byte      // raw body (do not copy it)
	// Params is used by v1 only: the decoded form body (POST) or decoded
	// query (GET); nil for TC3. The gateway fills it when there is no
	// Authorization header. Verify never decodes the body itself, because a
	// v1 body sent with the wrong Content-Type must end in MissingParameter.
	Params url.Values
}

// Common holds the API 3.0 common parameters of a verified request.
type Common struct {
	Scheme                                                            Scheme
	Action, Version, Region, Language, RequestClient, Token, SecretID string
	Timestamp                                                         int64
	Service                                                           string // TC3: service from the credential scope; v1: ""
	Nonce                                                             string // v1 only
	// SignedHost is the host candidate the signature matched (set by Verify
	// on success only). It tells which SDK quirk was met: Node's TC3 signs
	// the host without the port, ApigwEndpoint signs a configured alias.
	SignedHost string
}

// Config configures a Verifier.
type Config struct {
	Credentials []Credential
	// Now is the REAL time source for the skew check. SDKs sign with the
	// wall clock, so this must not be the emulator's movable clock. nil means
	// the system clock (clock.Real).
	Now func() time.Time
	// MaxSkew is the allowed |timestamp-now|; 0 (or negative) disables the
	// timestamp check (the signature is still checked).
	MaxSkew time.Duration
	// HostAliases are extra host names accepted as the signed host (the
	// ApigwEndpoint case: the SDK signs the product host, then sends the
	// request to another Host).
	HostAliases []string
}

// Failure is a rejected request.
type Failure struct {
	Err         *catalog.Error
	Common      Common       // whatever was parsed before failing (SecretID, Action... for the journal)
	Diagnostics *Diagnostics // non-nil for AuthFailure.SignatureFailure
}

// Error makes a Failure usable as an error in logs.
func (f *Failure) Error() string { return f.Err.Error() }

// Diagnostics explains a signature mismatch. It never holds a secret key or
// anything derived from one, so it can be journaled and shown to users.
type Diagnostics struct {
	Scheme           Scheme   `json:"scheme"`
	CanonicalRequest string   `json:"canonicalRequest,omitempty"` // TC3: for the host as received
	StringToSign     string   `json:"stringToSign"`
	HostCandidates   []string `json:"hostCandidates"`
	SignedHeaders    string   `json:"signedHeaders,omitempty"`
	Hint             string   `json:"hint,omitempty"`
}

// keyCacheCap bounds the derived-key cache of one Verifier. Real traffic uses
// a handful of (key, date, service) triples; the cap only matters against a
// client that varies the scope on purpose.
const keyCacheCap = 1024

// Verifier checks request signatures. It is safe for concurrent use.
type Verifier struct {
	creds   map[string]*credential
	now     func() time.Time
	maxSkew int64 // seconds; <= 0 disables the window
	aliases []string
	keys    keyCache
	scratch sync.Pool // *scratch working buffers
}

// New returns a Verifier for cfg. When two credentials share a SecretID the
// first one wins.
func New(cfg Config) *Verifier {
	v := &Verifier{
		creds: make(map[string]*credential, len(cfg.Credentials)),
		now:   cfg.Now,
	}
	if v.now == nil {
		v.now = clock.Real{}.Now
	}
	if cfg.MaxSkew > 0 {
		v.maxSkew = int64(cfg.MaxSkew / time.Second)
		if v.maxSkew == 0 {
			// A sub-second skew still means "check"; exact second only.
			v.maxSkew = -1
		}
	}
	for _, c := range cfg.Credentials {
		if _, dup := v.creds[c.SecretID]; dup {
			continue
		}
		v.creds[c.SecretID] = newCredential(c)
	}
	seen := make(map[string]bool)
	for _, a := range cfg.HostAliases {
		if a == "" || seen[a] {
			continue
		}
		seen[a] = true
		v.aliases = append(v.aliases, a)
	}
	v.keys.init(keyCacheCap)
	v.scratch.New = func() any { return &scratch{buf: make([]byte, 0, 1024)} }
	return v
}

var emptyRequest Request

// Verify runs steps 2-6 of the check order (parameters, timestamp window,
// SecretId, signature, token) and returns the common parameters. A request
// with an Authorization header is TC3, any other is v1.
func (v *Verifier) Verify(r *Request) (Common, *Failure) {
	r = withCanonicalHeader(r)
	if auth := presentValues(r.Header, hAuthorization); auth != nil {
		return v.verifyTC3(r, auth)
	}
	return v.verifyV1(r)
}

// Peek reads the common parameters without verifying anything, for
// journaling a request that failed. It is best effort and never fails. For
// a v1 request with nil Params it decodes the query (GET) or a form body.
func Peek(r *Request) Common {
	if r == nil {
		return Common{}
	}
	r = withCanonicalHeader(r)
	if auth := presentValues(r.Header, hAuthorization); auth != nil {
		return peekTC3(r, auth)
	}
	return peekV1(r)
}

// withCanonicalHeader returns r, or a copy whose header map has canonical
// keys (see canonicalHeader); nil is an empty request.
func withCanonicalHeader(r *Request) *Request {
	if r == nil {
		return &emptyRequest
	}
	h, copied := canonicalHeader(r.Header)
	if !copied {
		return r
	}
	c := *r
	c.Header = h
	return &c
}

func fail(c Common, e *catalog.Error) (Common, *Failure) {
	return c, &Failure{Err: e, Common: c}
}

// skewOK reports whether ts is within the window around now. The difference
// is taken in uint64 so that no int64 input (MinInt64, MaxInt64) overflows.
func (v *Verifier) skewOK(ts int64, st tsState) bool {
	if v.maxSkew == 0 {
		return true
	}
	if st != tsOK {
		return false
	}
	max := uint64(0)
	if v.maxSkew > 0 {
		max = uint64(v.maxSkew)
	}
	n := v.now().Unix()
	var d uint64
	if ts >= n {
		d = uint64(ts) - uint64(n)
	} else {
		d = uint64(n) - uint64(ts)
	}
	return d <= max
}
