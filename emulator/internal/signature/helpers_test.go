package signature

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
)

const (
	testID  = "AKIDTEST"
	testKey = "TESTKEY"
)

// vectorNow is within 300 s of every vector's timestamp (1795715355 … 1795715478).
var vectorNow = time.Unix(1795715400, 0)

// vector is one SDK request from testdata/sdk-requests.json.
type vector struct {
	SDKCase     string   `json:"sdk_case"`
	SecretKey   string   `json:"secret_key"`
	RequestLine string   `json:"request_line"`
	Headers     []string `json:"headers"`
	Body        string   `json:"body"`
	Verify      []string `json:"verify"`
}

func loadVectors(tb testing.TB) []vector {
	tb.Helper()
	raw, err := os.ReadFile("testdata/sdk-requests.json")
	if err != nil {
		tb.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(raw, &vs); err != nil {
		tb.Fatal(err)
	}
	if len(vs) != 8 {
		tb.Fatalf("want 8 vectors, got %d", len(vs))
	}
	return vs
}

// isTC3 reports whether the vector carries an Authorization header.
func (vec vector) isTC3() bool {
	for _, h := range vec.Headers {
		if name, _, _ := strings.Cut(h, ":"); strings.EqualFold(name, "Authorization") {
			return true
		}
	}
	return false
}

// request rebuilds the request as a Go server would present it. canonical
// selects net/http's canonical header keys; otherwise the wire spelling is
// kept as map key (a hand-built header map), which the verifier must also
// handle.
func (vec vector) request(tb testing.TB, canonical bool) *Request {
	tb.Helper()
	parts := strings.SplitN(vec.RequestLine, " ", 3)
	if len(parts) != 3 {
		tb.Fatalf("bad request line %q", vec.RequestLine)
	}
	_, rawQuery, _ := strings.Cut(parts[1], "?")
	r := &Request{Method: parts[0], RawQuery: rawQuery, Header: http.Header{}, Body: []byte(vec.Body)}
	for _, h := range vec.Headers {
		name, val, ok := strings.Cut(h, ": ")
		if !ok {
			tb.Fatalf("bad header %q", h)
		}
		if strings.EqualFold(name, "Host") {
			r.Host = val // net/http moves Host out of the header map
			continue
		}
		if canonical {
			r.Header.Add(name, val)
		} else {
			r.Header[name] = append(r.Header[name], val)
		}
	}
	if !vec.isTC3() {
		refillParams(tb, r)
	}
	return r
}

// refillParams decodes Params the way the gateway does for v1.
func refillParams(tb testing.TB, r *Request) {
	tb.Helper()
	src := string(r.Body)
	if r.Method == http.MethodGet {
		src = r.RawQuery
	}
	p, err := url.ParseQuery(src)
	if err != nil {
		tb.Fatal(err)
	}
	r.Params = p
}

var (
	reService = regexp.MustCompile(`service="([^"]*)"`)
	reHost    = regexp.MustCompile(`MATCH host="([^"]*)"`)
	reSTS     = regexp.MustCompile(`stringToSign="(.*)"$`)
	reMethod  = regexp.MustCompile(`SignatureMethod="([^"]*)"`)
)

// note extracts the first submatch of re over the vector's verify notes.
func (vec vector) note(re *regexp.Regexp) (string, bool) {
	for _, n := range vec.Verify {
		if m := re.FindStringSubmatch(n); m != nil {
			return m[1], true
		}
	}
	return "", false
}

func clone(r *Request) *Request {
	c := *r
	c.Header = r.Header.Clone()
	if c.Header == nil {
		c.Header = http.Header{}
	}
	c.Body = append([]byte(nil), r.Body...)
	if r.Params != nil {
		c.Params = url.Values{}
		for k, vs := range r.Params {
			c.Params[k] = append([]string(nil), vs...)
		}
	}
	return &c
}

// setHeader replaces a header whatever the spelling of its existing key.
func setHeader(r *Request, name, value string) {
	delHeader(r, name)
	r.Header[http.CanonicalHeaderKey(name)] = []string{value}
}

func delHeader(r *Request, name string) {
	for k := range r.Header {
		if strings.EqualFold(k, name) {
			delete(r.Header, k)
		}
	}
}

func newTestVerifier(cfg Config) *Verifier {
	if cfg.Credentials == nil {
		cfg.Credentials = []Credential{{SecretID: testID, SecretKey: testKey}}
	}
	if cfg.Now == nil {
		cfg.Now = clock.Fixed(vectorNow).Now
	}
	return New(cfg)
}

func vectorVerifier() *Verifier { return newTestVerifier(Config{MaxSkew: 5 * time.Minute}) }

func code(f *Failure) string {
	if f == nil {
		return ""
	}
	return f.Err.Code
}

// resign recomputes a v1 request's Signature with the test key, so that a
// test can change signed parameters and still send a valid request.
func resign(r *Request, key string) {
	p := url.Values{}
	for k, vs := range r.Params {
		if k != "Signature" {
			p[k] = vs
		}
	}
	r.Params.Set("Signature", SignV1(key, v1Scheme(r.Params.Get("SignatureMethod")), r.Method, r.Host, p))
}

// getHeader reads a header of a captured request, whose keys may be in any
// case.
func getHeader(h http.Header, name string) string {
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}
