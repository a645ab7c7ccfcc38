package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
)

// checkDiagnostics asserts what every SignatureFailure must carry and that
// nothing secret leaks: not the key, not the derived TC3 key, and not the
// signature the server computed (which would be a forgery oracle).
func checkDiagnostics(t *testing.T, f *Failure, r *Request, keys ...string) {
	t.Helper()
	d := f.Diagnostics
	if d == nil {
		t.Fatal("SignatureFailure without Diagnostics")
	}
	if d.StringToSign == "" || len(d.HostCandidates) == 0 || d.HostCandidates[0] != r.Host || d.Hint == "" {
		t.Errorf("incomplete diagnostics %+v", d)
	}
	if d.Scheme != f.Common.Scheme {
		t.Errorf("diagnostics scheme %q, common %q", d.Scheme, f.Common.Scheme)
	}
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	js := string(raw)
	for _, k := range []string{`"scheme"`, `"stringToSign"`, `"hostCandidates"`} {
		if !strings.Contains(js, k) {
			t.Errorf("JSON lacks %s: %s", k, js)
		}
	}
	var leaks []string
	for _, key := range keys {
		leaks = append(leaks, key)
		if d.Scheme == TC3 {
			a, _ := parseAuthorization(getHeader(r.Header, "Authorization"))
			sk := deriveTC3([]byte("TC3"+key), a.date, a.service)
			m := hmac.New(sha256.New, sk[:])
			m.Write([]byte(d.StringToSign))
			leaks = append(leaks, hex.EncodeToString(sk[:]), hex.EncodeToString(m.Sum(nil)))
			if want := hex.EncodeToString(sha256Sum(d.CanonicalRequest)); !strings.HasSuffix(d.StringToSign, "\n"+want) {
				t.Errorf("string to sign does not hash the canonical request")
			}
		} else {
			h := sha1.New
			if d.Scheme == HmacSHA256 {
				h = sha256.New
			}
			m := hmac.New(h, []byte(key))
			m.Write([]byte(d.StringToSign))
			leaks = append(leaks, base64.StdEncoding.EncodeToString(m.Sum(nil)))
		}
	}
	for _, l := range leaks {
		if strings.Contains(js, l) {
			t.Errorf("diagnostics leak %q: %s", l, js)
		}
	}
}

func sha256Sum(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// shiftTimestamp moves the request's timestamp by d seconds.
func shiftTimestamp(t *testing.T, r *Request, d int64) {
	if r.Params != nil {
		ts, _ := strconv.ParseInt(r.Params.Get("Timestamp"), 10, 64)
		r.Params.Set("Timestamp", strconv.FormatInt(ts+d, 10))
		return
	}
	ts, err := strconv.ParseInt(getHeader(r.Header, "X-TC-Timestamp"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	setHeader(r, "X-TC-Timestamp", strconv.FormatInt(ts+d, 10))
}

// TestTampered changes one signed element of every SDK vector.
func TestTampered(t *testing.T) {
	v := vectorVerifier()
	cases := []struct {
		name   string
		tc3    bool // applies to TC3 only
		mutate func(t *testing.T, r *Request)
		want   string
	}{
		{"payload byte", false, func(t *testing.T, r *Request) {
			// "aGVsbG8=" is in every vector, in the body (POST) or query (GET).
			if len(r.Body) > 0 {
				i := strings.Index(string(r.Body), "aGVsbG8")
				r.Body[i+6] = '9'
			} else {
				r.RawQuery = strings.Replace(r.RawQuery, "aGVsbG8", "aGVsbG9", 1)
			}
			if r.Params != nil {
				refillParams(t, r)
			}
		}, catalog.SignatureFailure},
		{"last body byte", true, func(t *testing.T, r *Request) {
			if len(r.Body) == 0 {
				r.Body = []byte("x")
				return
			}
			r.Body[len(r.Body)-1] ^= 1
		}, catalog.SignatureFailure},
		{"content-type", true, func(t *testing.T, r *Request) {
			setHeader(r, "Content-Type", "text/plain")
		}, catalog.SignatureFailure},
		{"host", false, func(t *testing.T, r *Request) { r.Host = "127.0.0.2:18080" }, catalog.SignatureFailure},
		{"method", false, func(t *testing.T, r *Request) {
			if r.Method == "GET" {
				r.Method = "POST"
			} else {
				r.Method = "GET"
			}
		}, catalog.SignatureFailure},
		{"timestamp +1s", false, func(t *testing.T, r *Request) { shiftTimestamp(t, r, 1) }, catalog.SignatureFailure},
		{"timestamp -1s", false, func(t *testing.T, r *Request) { shiftTimestamp(t, r, -1) }, catalog.SignatureFailure},
		{"signature", false, func(t *testing.T, r *Request) {
			if r.Params != nil {
				s := []byte(r.Params.Get("Signature"))
				s[3] ^= 1
				r.Params.Set("Signature", string(s))
				return
			}
			a := getHeader(r.Header, "Authorization")
			i := strings.Index(a, "Signature=") + len("Signature=")
			c := byte('0')
			if a[i] == '0' {
				c = '1'
			}
			setHeader(r, "Authorization", a[:i]+string(c)+a[i+1:])
		}, catalog.SignatureFailure},
		{"v1 unsigned extra param", false, func(t *testing.T, r *Request) {
			if r.Params != nil {
				r.Params.Set("Extra2", "x")
			} else {
				r.Body = append(r.Body, ' ') // TC3: any change of the body
			}
		}, catalog.SignatureFailure},
		{"stale timestamp", false, func(t *testing.T, r *Request) { shiftTimestamp(t, r, -1000) }, catalog.SignatureExpire},
		{"future timestamp", false, func(t *testing.T, r *Request) { shiftTimestamp(t, r, 1000) }, catalog.SignatureExpire},
		{"unknown SecretId", false, func(t *testing.T, r *Request) {
			if r.Params != nil {
				r.Params.Set("SecretId", "AKIDOTHER")
				return
			}
			setHeader(r, "Authorization", strings.Replace(getHeader(r.Header, "Authorization"), "AKIDTEST", "AKIDOTHER", 1))
		}, catalog.SecretIDNotFound},
	}
	for _, vec := range loadVectors(t) {
		for _, tc := range cases {
			if tc.tc3 && !vec.isTC3() {
				continue
			}
			t.Run(vec.SDKCase+"/"+tc.name, func(t *testing.T) {
				r := clone(vec.request(t, false))
				tc.mutate(t, r)
				c, f := v.Verify(r)
				if code(f) != tc.want {
					t.Fatalf("got %q, want %q (common %+v)", code(f), tc.want, c)
				}
				if f.Common.Action != "ApplyWebVerificationBizTokenIntl" || f.Common.SecretID == "" {
					t.Errorf("failure common not filled: %+v", f.Common)
				}
				if tc.want == catalog.SignatureFailure {
					checkDiagnostics(t, f, r, testKey)
				} else if f.Diagnostics != nil {
					t.Errorf("diagnostics on %s", tc.want)
				}
			})
		}
	}
}

// TestWrongKey: same SecretId, other key. The diagnostics must not show
// either key.
func TestWrongKey(t *testing.T) {
	v := newTestVerifier(Config{MaxSkew: 5 * time.Minute, Credentials: []Credential{{SecretID: testID, SecretKey: "WRONGKEY"}}})
	for _, vec := range loadVectors(t) {
		r := vec.request(t, true)
		_, f := v.Verify(r)
		if code(f) != catalog.SignatureFailure {
			t.Fatalf("%s: %q", vec.SDKCase, code(f))
		}
		checkDiagnostics(t, f, r, "WRONGKEY", testKey)
	}
}

func TestMaxSkewZero(t *testing.T) {
	// A clock a year away: the window is off, the signature still counts.
	v := newTestVerifier(Config{Now: func() time.Time { return vectorNow.AddDate(1, 0, 0) }})
	for _, vec := range loadVectors(t) {
		r := vec.request(t, true)
		if _, f := v.Verify(r); f != nil {
			t.Errorf("%s: %v", vec.SDKCase, f)
		}
		shiftTimestamp(t, r, 1)
		if _, f := v.Verify(r); code(f) != catalog.SignatureFailure {
			t.Errorf("%s tampered: %q", vec.SDKCase, code(f))
		}
	}
}

func TestSkewBoundary(t *testing.T) {
	for _, vec := range loadVectors(t) {
		r := vec.request(t, true)
		ts := Peek(r).Timestamp
		for _, tc := range []struct {
			now  int64
			want string
		}{
			{ts + 300, ""}, {ts - 300, ""}, {ts + 301, catalog.SignatureExpire}, {ts - 301, catalog.SignatureExpire},
		} {
			v := newTestVerifier(Config{MaxSkew: 5 * time.Minute, Now: func() time.Time { return time.Unix(tc.now, 999e6) }})
			if _, f := v.Verify(r); code(f) != tc.want {
				t.Errorf("%s now=ts%+d: %q, want %q", vec.SDKCase, tc.now-ts, code(f), tc.want)
			}
		}
	}
}

func goVector(t *testing.T) *Request {
	for _, vec := range loadVectors(t) {
		if vec.SDKCase == "go-intl-tc3-POST" {
			return vec.request(t, true)
		}
	}
	t.Fatal("no go vector")
	return nil
}

func nodeV1Vector(t *testing.T) *Request {
	for _, vec := range loadVectors(t) {
		if strings.HasPrefix(vec.SDKCase, "node-default") {
			return vec.request(t, true)
		}
	}
	t.Fatal("no node v1 vector")
	return nil
}

func TestMalformedAuthorization(t *testing.T) {
	v := vectorVerifier()
	good := getHeader(goVector(t).Header, "Authorization")
	sig := good[strings.Index(good, "Signature=")+len("Signature="):]
	cred := "Credential=AKIDTEST/2026-11-26/faceid/tc3_request"
	sh := "SignedHeaders=content-type;host"
	mk := func(parts ...string) string { return "TC3-HMAC-SHA256 " + strings.Join(parts, ", ") }
	bad := map[string]string{
		"empty":                 "",
		"SKIP":                  "SKIP",
		"algorithm only":        "TC3-HMAC-SHA256",
		"algorithm and space":   "TC3-HMAC-SHA256 ",
		"lower-case algorithm":  strings.Replace(good, "TC3-HMAC-SHA256", "tc3-hmac-sha256", 1),
		"other algorithm":       strings.Replace(good, "TC3-HMAC-SHA256", "HMAC-SHA256", 1),
		"no space":              strings.Replace(good, "TC3-HMAC-SHA256 ", "TC3-HMAC-SHA256", 1),
		"no Credential":         mk(sh, "Signature="+sig),
		"no SignedHeaders":      mk(cred, "Signature="+sig),
		"no Signature":          mk(cred, sh),
		"empty Credential":      mk("Credential=", sh, "Signature="+sig),
		"Credential 3 parts":    mk("Credential=AKIDTEST/2026-11-26/faceid", sh, "Signature="+sig),
		"Credential 5 parts":    mk("Credential=AKIDTEST/2026-11-26/faceid/tc3_request/x", sh, "Signature="+sig),
		"bad terminator":        mk("Credential=AKIDTEST/2026-11-26/faceid/tc3_requests", sh, "Signature="+sig),
		"empty SecretId":        mk("Credential=/2026-11-26/faceid/tc3_request", sh, "Signature="+sig),
		"compact date":          mk("Credential=AKIDTEST/20261126/faceid/tc3_request", sh, "Signature="+sig),
		"non-digit date":        mk("Credential=AKIDTEST/2026-11-2x/faceid/tc3_request", sh, "Signature="+sig),
		"empty service":         mk("Credential=AKIDTEST/2026-11-26//tc3_request", sh, "Signature="+sig),
		"empty SignedHeaders":   mk(cred, "SignedHeaders=", "Signature="+sig),
		"SignedHeaders ;;":      mk(cred, "SignedHeaders=content-type;;host", "Signature="+sig),
		"SignedHeaders ; end":   mk(cred, "SignedHeaders=content-type;host;", "Signature="+sig),
		"SignedHeaders upper":   mk(cred, "SignedHeaders=Content-Type;host", "Signature="+sig),
		"SignedHeaders repeat":  mk(cred, "SignedHeaders=host;content-type;host", "Signature="+sig),
		"SignedHeaders space":   mk(cred, "SignedHeaders=content-type; host", "Signature="+sig),
		"signature short":       mk(cred, sh, "Signature="+sig[:63]),
		"signature long":        mk(cred, sh, "Signature="+sig+"0"),
		"signature non-hex":     mk(cred, sh, "Signature=zz"+sig[2:]),
		"signature empty":       mk(cred, sh, "Signature="),
		"duplicate Credential":  mk(cred, cred, sh, "Signature="+sig),
		"duplicate Signature":   mk(cred, sh, "Signature="+sig, "Signature="+sig),
		"unknown part":          mk(cred, sh, "Signature="+sig, "Foo=bar"),
		"part without =":        mk(cred, sh, "Signature="+sig, "junk"),
		"trailing comma":        good + ",",
		"double comma":          strings.Replace(good, ", ", ",, ", 1),
		"lower-case part name":  strings.Replace(good, "Credential=", "credential=", 1),
		"semicolon separators":  strings.ReplaceAll(good, ", ", "; "),
		"whole header repeated": good + ", " + good[len("TC3-HMAC-SHA256 "):],
	}
	for name, auth := range bad {
		t.Run(name, func(t *testing.T) {
			r := goVector(t)
			setHeader(r, "Authorization", auth)
			if _, f := v.Verify(r); code(f) != catalog.InvalidAuthorization {
				t.Errorf("%q: got %q", auth, code(f))
			}
		})
	}
	t.Run("two values", func(t *testing.T) {
		r := goVector(t)
		r.Header.Add("Authorization", good)
		if _, f := v.Verify(r); code(f) != catalog.InvalidAuthorization {
			t.Errorf("got %q", code(f))
		}
	})
	t.Run("two spellings", func(t *testing.T) {
		r := goVector(t)
		r.Header["authorization"] = []string{good}
		if _, f := v.Verify(r); code(f) != catalog.InvalidAuthorization {
			t.Errorf("got %q", code(f))
		}
	})
	t.Run("malformed before missing action", func(t *testing.T) {
		r := goVector(t)
		setHeader(r, "Authorization", "SKIP")
		delHeader(r, "X-TC-Action")
		if _, f := v.Verify(r); code(f) != catalog.InvalidAuthorization {
			t.Errorf("got %q", code(f))
		}
	})

	// Accepted spellings: the parser splits on "," and trims.
	okVariants := map[string]string{
		"no spaces":       strings.ReplaceAll(good, ", ", ","),
		"extra spaces":    strings.ReplaceAll(strings.Replace(good, "TC3-HMAC-SHA256 ", "TC3-HMAC-SHA256   ", 1), ", ", " ,  "),
		"reordered":       mk("Signature="+sig, sh, cred),
		"upper-case hex":  mk(cred, sh, "Signature="+strings.ToUpper(sig)),
		"tab before part": strings.Replace(good, ", S", ",\tS", 1),
	}
	for name, auth := range okVariants {
		t.Run("ok/"+name, func(t *testing.T) {
			r := goVector(t)
			setHeader(r, "Authorization", auth)
			if _, f := v.Verify(r); f != nil {
				t.Errorf("%q: %v", auth, f)
			}
		})
	}
}

func TestMissingParameters(t *testing.T) {
	v := vectorVerifier()
	wantMissing := func(t *testing.T, f *Failure, name string) {
		t.Helper()
		want := catalog.Missing(name)
		if f == nil || f.Err.Code != catalog.MissingParameter || f.Err.MessageIn(catalog.English) != want.MessageIn(catalog.English) ||
			f.Err.MessageIn(catalog.Chinese) != want.MessageIn(catalog.Chinese) {
			t.Errorf("want Missing(%s), got %v", name, f)
		}
	}
	for _, name := range []string{"Action", "Version", "Timestamp"} {
		for _, empty := range []bool{false, true} {
			r := goVector(t)
			if empty {
				setHeader(r, "X-TC-"+name, "")
			} else {
				delHeader(r, "X-TC-"+name)
			}
			_, f := v.Verify(r)
			wantMissing(t, f, name)
			if f != nil && f.Common.SecretID != testID {
				t.Errorf("SecretID not kept: %+v", f.Common)
			}
		}
	}
	// Order: Action before Version before Timestamp.
	r := goVector(t)
	delHeader(r, "X-TC-Timestamp")
	delHeader(r, "X-TC-Version")
	_, f := v.Verify(r)
	wantMissing(t, f, "Version")
	delHeader(r, "X-TC-Action")
	_, f = v.Verify(r)
	wantMissing(t, f, "Action")

	required := []string{"Action", "Version", "SecretId", "Timestamp", "Nonce", "Signature"}
	for i, name := range required {
		r := nodeV1Vector(t)
		r.Params.Del(name)
		_, f := v.Verify(r)
		wantMissing(t, f, name)
		// Everything after it missing too: still this one (the order).
		for _, later := range required[i+1:] {
			r.Params.Del(later)
		}
		_, f = v.Verify(r)
		wantMissing(t, f, name)
		r = nodeV1Vector(t)
		r.Params.Set(name, "")
		_, f = v.Verify(r)
		wantMissing(t, f, name)
	}
	// No Authorization and nothing decoded (e.g. a form body sent as JSON).
	_, f = v.Verify(&Request{Method: "POST", Host: "h", Body: []byte("Action=x")})
	wantMissing(t, f, "Action")
	_, f = v.Verify(nil)
	wantMissing(t, f, "Action")

	// Missing parameters come before the timestamp window.
	r = nodeV1Vector(t)
	shiftTimestamp(t, r, -100000)
	r.Params.Del("Nonce")
	_, f = v.Verify(r)
	wantMissing(t, f, "Nonce")
}

func TestTimestampValues(t *testing.T) {
	cases := []struct {
		ts       string
		want     string // with MaxSkew 5m
		wantZero string // with MaxSkew 0
	}{
		{"abc", "InvalidParameter", "InvalidParameter"},
		{"1.5", "InvalidParameter", "InvalidParameter"},
		{"0x10", "InvalidParameter", "InvalidParameter"},
		{"1795715377 ", "", ""}, // trimmed (TC3); v1 form values are exact, see below
		{"1e9", "InvalidParameter", "InvalidParameter"},
		{"-1", catalog.SignatureExpire, catalog.SignatureFailure},
		{"0", catalog.SignatureExpire, catalog.SignatureFailure},
		{"9223372036854775807", catalog.SignatureExpire, catalog.SignatureFailure},
		{"-9223372036854775808", catalog.SignatureExpire, catalog.SignatureFailure},
		{"99999999999999999999999", catalog.SignatureExpire, catalog.SignatureFailure},
		{"-99999999999999999999999", catalog.SignatureExpire, catalog.SignatureFailure},
		{"253402300800", catalog.SignatureExpire, catalog.SignatureFailure}, // year 10000
	}
	v := vectorVerifier()
	v0 := newTestVerifier(Config{})
	for _, tc := range cases {
		r := goVector(t)
		setHeader(r, "X-TC-Timestamp", tc.ts)
		_, f := v.Verify(r)
		if code(f) != tc.want {
			t.Errorf("TC3 %q: %q, want %q", tc.ts, code(f), tc.want)
		}
		if tc.want == "InvalidParameter" {
			if want := catalog.WrongType("Timestamp").Message; f.Err.Message != want {
				t.Errorf("TC3 %q: message %q", tc.ts, f.Err.Message)
			}
		}
		_, f = v0.Verify(r)
		if code(f) != tc.wantZero {
			t.Errorf("TC3 MaxSkew 0 %q: %q, want %q", tc.ts, code(f), tc.wantZero)
		}
		if code(f) == catalog.SignatureFailure && !strings.Contains(f.Diagnostics.Hint, "X-TC-Timestamp") {
			t.Errorf("TC3 %q: hint %q", tc.ts, f.Diagnostics.Hint)
		}

		if strings.TrimSpace(tc.ts) != tc.ts {
			continue
		}
		r = nodeV1Vector(t)
		r.Params.Set("Timestamp", tc.ts)
		if _, f := v.Verify(r); code(f) != tc.want {
			t.Errorf("v1 %q: %q, want %q", tc.ts, code(f), tc.want)
		}
		// v1 signs the Timestamp string: a re-signed request is valid with
		// the window off, whatever the value.
		resign(r, testKey)
		wantV1Zero := tc.wantZero
		if wantV1Zero == catalog.SignatureFailure {
			wantV1Zero = ""
		}
		if _, f := v0.Verify(r); code(f) != wantV1Zero {
			t.Errorf("v1 MaxSkew 0 %q: %q, want %q", tc.ts, code(f), wantV1Zero)
		}
	}
	r := nodeV1Vector(t)
	r.Params.Set("Timestamp", "1795715356 ")
	if _, f := v.Verify(r); code(f) != catalog.InvalidParameter {
		t.Errorf("v1 timestamp with space: %q", code(f))
	}
	for _, nonce := range []string{"abc", "1.5", "-", "12a"} {
		r := nodeV1Vector(t)
		r.Params.Set("Nonce", nonce)
		_, f := v.Verify(r)
		if code(f) != catalog.InvalidParameter || f.Err.Message != catalog.WrongType("Nonce").Message {
			t.Errorf("nonce %q: %v", nonce, f)
		}
	}
}

func TestCheckOrder(t *testing.T) {
	// Expired beats unknown SecretId.
	v := newTestVerifier(Config{MaxSkew: 5 * time.Minute, Credentials: []Credential{{SecretID: "AKIDOTHER", SecretKey: testKey}}})
	r := goVector(t)
	shiftTimestamp(t, r, -1000)
	if _, f := v.Verify(r); code(f) != catalog.SignatureExpire {
		t.Errorf("expired+unknown: %q", code(f))
	}
	// Unknown SecretId beats a bad signature.
	r = goVector(t)
	r.Body[5] ^= 1
	if _, f := v.Verify(r); code(f) != catalog.SecretIDNotFound {
		t.Errorf("unknown+bad signature: %q", code(f))
	}
	// A bad signature beats a bad token.
	vt := newTestVerifier(Config{MaxSkew: 5 * time.Minute, Credentials: []Credential{{SecretID: testID, SecretKey: testKey, Token: "tok"}}})
	if _, f := vt.Verify(r); code(f) != catalog.SignatureFailure {
		t.Errorf("bad signature+token: %q", code(f))
	}
}

func TestToken(t *testing.T) {
	v := newTestVerifier(Config{MaxSkew: 5 * time.Minute, Credentials: []Credential{{SecretID: testID, SecretKey: testKey, Token: "tmp-token"}}})
	for _, vec := range loadVectors(t) {
		if !vec.isTC3() {
			continue
		}
		r := vec.request(t, false)
		if _, f := v.Verify(r); code(f) != catalog.TokenFailure {
			t.Errorf("%s no token: %q", vec.SDKCase, code(f))
		}
		// X-TC-Token is not signed: adding it keeps the signature valid.
		setHeader(r, "X-TC-Token", "other")
		if _, f := v.Verify(r); code(f) != catalog.TokenFailure {
			t.Errorf("%s other token: %q", vec.SDKCase, code(f))
		}
		setHeader(r, "X-TC-Token", "tmp-token")
		c, f := v.Verify(r)
		if f != nil || c.Token != "tmp-token" {
			t.Errorf("%s right token: %v %+v", vec.SDKCase, f, c)
		}
	}
	// A token sent with a permanent key is ignored.
	r := goVector(t)
	setHeader(r, "X-TC-Token", "whatever")
	if _, f := vectorVerifier().Verify(r); f != nil {
		t.Errorf("token with permanent key: %v", f)
	}

	// v1 signs Token; a re-signed request with the wrong token gets TokenFailure.
	for _, tc := range []struct{ token, want string }{
		{"", catalog.TokenFailure}, {"other", catalog.TokenFailure}, {"tmp-token", ""},
	} {
		r := nodeV1Vector(t)
		if tc.token != "" {
			r.Params.Set("Token", tc.token)
		}
		resign(r, testKey)
		c, f := v.Verify(r)
		if code(f) != tc.want {
			t.Errorf("v1 token %q: %q, want %q", tc.token, code(f), tc.want)
		}
		if c.Token != tc.token {
			t.Errorf("v1 common token %q", c.Token)
		}
	}
	r = nodeV1Vector(t)
	r.Params.Set("Token", "whatever")
	resign(r, testKey)
	if _, f := vectorVerifier().Verify(r); f != nil {
		t.Errorf("v1 token with permanent key: %v", f)
	}
	// An unsigned Token added to a v1 request breaks the signature.
	r = nodeV1Vector(t)
	r.Params.Set("Token", "tmp-token")
	if _, f := v.Verify(r); code(f) != catalog.SignatureFailure {
		t.Errorf("v1 unsigned token: %q", code(f))
	}
}

// tc3Request builds a signed TC3 request with the test key.
func tc3Request(method, host, signedHost, rawQuery, contentType string, body []byte, service string) *Request {
	ts := vectorNow.Unix()
	return &Request{Method: method, Host: host, RawQuery: rawQuery, Body: body, Header: http.Header{
		"Authorization":  {AuthorizationTC3(testID, testKey, method, signedHost, rawQuery, contentType, body, ts, service)},
		"Content-Type":   {contentType},
		"X-Tc-Action":    {"ApplyWebVerificationBizTokenIntl"},
		"X-Tc-Version":   {"2018-03-01"},
		"X-Tc-Timestamp": {strconv.FormatInt(ts, 10)},
	}}
}

func TestHostCandidates(t *testing.T) {
	plain := vectorVerifier()
	aliased := newTestVerifier(Config{MaxSkew: 5 * time.Minute, HostAliases: []string{"faceid.intl.tencentcloudapi.com", "", "gw.example:8443", "faceid.intl.tencentcloudapi.com"}})
	body := []byte(`{}`)
	cases := []struct {
		name, host, signed string
		v                  *Verifier
		wantHost           string // "" = SignatureFailure
	}{
		{"as received", "127.0.0.1:18080", "127.0.0.1:18080", plain, "127.0.0.1:18080"},
		{"without port (Node)", "127.0.0.1:18080", "127.0.0.1", plain, "127.0.0.1"},
		{"ipv6 without port", "[::1]:18080", "[::1]", plain, "[::1]"},
		{"other port", "127.0.0.1:18080", "127.0.0.1:18081", plain, ""},
		{"alias not configured", "127.0.0.1:18080", "faceid.intl.tencentcloudapi.com", plain, ""},
		{"alias", "127.0.0.1:18080", "faceid.intl.tencentcloudapi.com", aliased, "faceid.intl.tencentcloudapi.com"},
		{"alias with request port", "127.0.0.1:18080", "faceid.intl.tencentcloudapi.com:18080", aliased, "faceid.intl.tencentcloudapi.com:18080"},
		{"alias with its own port", "127.0.0.1:18080", "gw.example:8443", aliased, "gw.example:8443"},
		{"alias own port, request port not added", "127.0.0.1:18080", "gw.example:8443:18080", aliased, ""},
		{"upper-case host as sent", "LOCALHOST:1", "LOCALHOST:1", plain, "LOCALHOST:1"},
		{"upper-case host not lowered", "LOCALHOST:1", "localhost:1", plain, ""},
	}
	for _, tc := range cases {
		r := tc3Request("POST", tc.host, tc.signed, "", "application/json", body, "faceid")
		c, f := tc.v.Verify(r)
		if tc.wantHost == "" {
			if code(f) != catalog.SignatureFailure {
				t.Errorf("%s: %q", tc.name, code(f))
				continue
			}
			checkDiagnostics(t, f, r, testKey)
			if !strings.Contains(f.Diagnostics.Hint, "no host candidate matched") {
				t.Errorf("%s: hint %q", tc.name, f.Diagnostics.Hint)
			}
			continue
		}
		if f != nil || c.SignedHost != tc.wantHost {
			t.Errorf("%s: %v signed host %q, want %q", tc.name, f, c.SignedHost, tc.wantHost)
		}
	}

	r := tc3Request("POST", "127.0.0.1:18080", "nope", "", "application/json", body, "faceid")
	_, f := aliased.Verify(r)
	want := []string{"127.0.0.1:18080", "127.0.0.1", "faceid.intl.tencentcloudapi.com", "faceid.intl.tencentcloudapi.com:18080", "gw.example:8443"}
	if f == nil || strings.Join(f.Diagnostics.HostCandidates, " ") != strings.Join(want, " ") {
		t.Errorf("candidates %v, want %v", f.Diagnostics.HostCandidates, want)
	}

	// v1: Host as received (with port, Node too), then aliases.
	for _, tc := range []struct {
		signed string
		v      *Verifier
		ok     bool
	}{
		{"127.0.0.1:18080", plain, true}, {"127.0.0.1", plain, false},
		{"faceid.intl.tencentcloudapi.com", aliased, true}, {"faceid.intl.tencentcloudapi.com:18080", aliased, true},
		{"faceid.intl.tencentcloudapi.com", plain, false},
	} {
		r := nodeV1Vector(t)
		r.Params.Set("Signature", SignV1(testKey, HmacSHA256, "POST", tc.signed, r.Params))
		c, f := tc.v.Verify(r)
		if tc.ok != (f == nil) || tc.ok && c.SignedHost != tc.signed {
			t.Errorf("v1 signed %q: %v %q", tc.signed, f, c.SignedHost)
		}
		if f != nil {
			checkDiagnostics(t, f, r, testKey)
		}
	}
}

func TestTC3Variants(t *testing.T) {
	v := vectorVerifier()
	body := []byte(`{"A":1}`)

	t.Run("lower-cased content-type", func(t *testing.T) {
		r := tc3Request("POST", "h:1", "h:1", "", "application/json; charset=utf-8", body, "faceid")
		setHeader(r, "Content-Type", "Application/JSON; charset=UTF-8")
		if _, f := v.Verify(r); f != nil {
			t.Fatal(f)
		}
		// The reverse (signed upper, sent lower) is not a candidate.
		r = tc3Request("POST", "h:1", "h:1", "", "Application/JSON", body, "faceid")
		setHeader(r, "Content-Type", "application/json")
		if _, f := v.Verify(r); code(f) != catalog.SignatureFailure {
			t.Fatalf("got %q", code(f))
		}
	})

	t.Run("service from scope", func(t *testing.T) {
		for _, svc := range []string{"faceid", "127", "localhost:18080", "anything"} {
			r := tc3Request("POST", "h:1", "h:1", "", "application/json", body, svc)
			c, f := v.Verify(r)
			if f != nil || c.Service != svc {
				t.Errorf("%q: %v %+v", svc, f, c)
			}
		}
	})

	t.Run("GET signs the raw query, POST none", func(t *testing.T) {
		q := "Config.AutoSkip=True&Extra=%C3%BC+x%20y"
		r := tc3Request("GET", "h:1", "h:1", q, "application/x-www-form-urlencoded", nil, "faceid")
		if _, f := v.Verify(r); f != nil {
			t.Fatal(f)
		}
		r.RawQuery = "Extra=%C3%BC+x%20y&Config.AutoSkip=True" // same values, other order
		if _, f := v.Verify(r); code(f) != catalog.SignatureFailure {
			t.Errorf("reordered query: %q", code(f))
		}
		r = tc3Request("POST", "h:1", "h:1", "", "application/json", body, "faceid")
		r.RawQuery = "x=1" // a query on POST is not signed
		if _, f := v.Verify(r); f != nil {
			t.Errorf("POST with query: %v", f)
		}
	})

	t.Run("unsigned payload", func(t *testing.T) {
		r := tc3Request("POST", "h:1", "h:1", "", "application/json", body, "faceid")
		a, _ := parseAuthorization(getHeader(r.Header, "Authorization"))
		sig := signTC3(testKey, "POST", "h:1", "", "application/json", unsignedPayloadHash, getHeader(r.Header, "X-TC-Timestamp"), a.date, "faceid")
		setHeader(r, "Authorization", "TC3-HMAC-SHA256 Credential=AKIDTEST/"+a.date+"/faceid/tc3_request, SignedHeaders=content-type;host, Signature="+sig)
		if _, f := v.Verify(r); code(f) != catalog.SignatureFailure {
			t.Fatalf("without header: %q", code(f))
		}
		setHeader(r, "X-TC-Content-SHA256", "UNSIGNED-PAYLOAD")
		if _, f := v.Verify(r); f != nil {
			t.Fatal(f)
		}
		r.Body = []byte("anything at all") // the point of an unsigned payload
		if _, f := v.Verify(r); f != nil {
			t.Fatal(f)
		}
		r.Host = "other"
		_, f := v.Verify(r)
		if code(f) != catalog.SignatureFailure || !strings.Contains(f.Diagnostics.Hint, "UNSIGNED-PAYLOAD") {
			t.Fatalf("got %v", f)
		}
	})

	t.Run("credential date must be the timestamp's UTC date", func(t *testing.T) {
		// A correct HMAC over a scope dated the day before: still rejected.
		ts := getHeader(goVector(t).Header, "X-TC-Timestamp")
		sig := signTC3(testKey, "POST", "h:1", "", "application/json", hex.EncodeToString(sha256Sum(string(body))), ts, "2026-11-25", "faceid")
		r := tc3Request("POST", "h:1", "h:1", "", "application/json", body, "faceid")
		setHeader(r, "X-TC-Timestamp", ts)
		setHeader(r, "Authorization", "TC3-HMAC-SHA256 Credential=AKIDTEST/2026-11-25/faceid/tc3_request, SignedHeaders=content-type;host, Signature="+sig)
		for _, vv := range []*Verifier{v, newTestVerifier(Config{})} {
			_, f := vv.Verify(r)
			if code(f) != catalog.SignatureFailure {
				t.Fatalf("got %q", code(f))
			}
			if want := "credential date 2026-11-25 is not the UTC date 2026-11-26 of X-TC-Timestamp " + ts; f.Diagnostics.Hint != want {
				t.Errorf("hint %q, want %q", f.Diagnostics.Hint, want)
			}
			checkDiagnostics(t, f, r, testKey)
		}
	})

	t.Run("other signed headers", func(t *testing.T) {
		// Not what SDKs do, but SignedHeaders is honoured as listed.
		ts := strconv.FormatInt(vectorNow.Unix(), 10)
		date, _ := utcDate(vectorNow.Unix())
		in := tc3Input{method: "POST", signedHeaders: "content-type;host;x-tc-action", header: http.Header{"X-Tc-Action": {"ApplyWebVerificationBizTokenIntl"}},
			payloadHash: []byte(hex.EncodeToString(sha256Sum(string(body)))), timestamp: ts, date: string(date[:]), service: "faceid"}
		cr := sha256.Sum256(appendCanonical(nil, &in, "h:1", "application/json"))
		sk := deriveTC3([]byte("TC3"+testKey), in.date, "faceid")
		m := hmac.New(sha256.New, sk[:])
		m.Write(appendStringToSign(nil, &in, &cr))
		r := tc3Request("POST", "h:1", "h:1", "", "application/json", body, "faceid")
		setHeader(r, "Authorization", "TC3-HMAC-SHA256 Credential=AKIDTEST/"+in.date+"/faceid/tc3_request, SignedHeaders=content-type;host;x-tc-action, Signature="+hex.EncodeToString(m.Sum(nil)))
		if _, f := v.Verify(r); f != nil {
			t.Fatal(f)
		}
		setHeader(r, "X-TC-Action", "GetWebVerificationResultIntl")
		_, f := v.Verify(r)
		if code(f) != catalog.SignatureFailure || !strings.Contains(f.Diagnostics.CanonicalRequest, "x-tc-action:GetWebVerificationResultIntl\n") {
			t.Fatalf("got %v", f)
		}
	})

	t.Run("replay accepted", func(t *testing.T) {
		r := goVector(t)
		for i := 0; i < 3; i++ {
			if _, f := v.Verify(r); f != nil {
				t.Fatal(f)
			}
		}
		r = nodeV1Vector(t)
		for i := 0; i < 3; i++ {
			if _, f := v.Verify(r); f != nil {
				t.Fatal(f)
			}
		}
	})
}

func TestV1Variants(t *testing.T) {
	v := vectorVerifier()
	t.Run("SignatureMethod not exactly HmacSHA256 means SHA1", func(t *testing.T) {
		for _, m := range []string{"hmacsha256", "HmacSHA1", "HMACSHA256", "foo", ""} {
			r := nodeV1Vector(t)
			if m == "" {
				r.Params.Del("SignatureMethod")
			} else {
				r.Params.Set("SignatureMethod", m)
			}
			p := url2(r)
			r.Params.Set("Signature", SignV1(testKey, HmacSHA1, "POST", r.Host, p))
			c, f := v.Verify(r)
			if f != nil || c.Scheme != HmacSHA1 {
				t.Errorf("%q: %v %q", m, f, c.Scheme)
			}
			r.Params.Set("Signature", SignV1(testKey, HmacSHA256, "POST", r.Host, p))
			_, f = v.Verify(r)
			if code(f) != catalog.SignatureFailure || f.Diagnostics.Scheme != HmacSHA1 {
				t.Errorf("%q with a SHA256 signature: %v", m, f)
			}
		}
	})
	t.Run("signature + sent unescaped in a query", func(t *testing.T) {
		for _, vec := range loadVectors(t) {
			if vec.SDKCase != "go-intl-v1-HmacSHA1-GET" {
				continue
			}
			r := vec.request(t, true)
			sig := r.Params.Get("Signature")
			if !strings.Contains(sig, "+") {
				t.Fatalf("vector signature %q has no +", sig)
			}
			r.RawQuery = strings.Replace(r.RawQuery, "%2B", "+", 1)
			refillParams(t, r)
			if _, f := v.Verify(r); f != nil {
				t.Fatal(f)
			}
		}
	})
	t.Run("repeated parameter", func(t *testing.T) {
		r := nodeV1Vector(t)
		r.Params.Add("Extra", "second")
		if _, f := v.Verify(r); code(f) != catalog.SignatureFailure {
			t.Fatalf("got %q", code(f))
		}
		resign(r, testKey)
		if !strings.Contains(StringToSignV1("POST", r.Host, r.Params), "&Extra=ünïcode & spaces&Extra=second&") {
			t.Errorf("repeated values not all signed")
		}
		if _, f := v.Verify(r); f != nil {
			t.Fatal(f)
		}
	})
	t.Run("content-type is not signed in v1", func(t *testing.T) {
		r := nodeV1Vector(t)
		setHeader(r, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		if _, f := v.Verify(r); f != nil {
			t.Fatal(f)
		}
	})
}

// url2 copies the params without Signature.
func url2(r *Request) map[string][]string {
	p := map[string][]string{}
	for k, vs := range r.Params {
		if k != "Signature" {
			p[k] = vs
		}
	}
	return p
}

func TestPeek(t *testing.T) {
	if c := Peek(nil); c != (Common{}) {
		t.Errorf("Peek(nil) = %+v", c)
	}
	r := goVector(t)
	setHeader(r, "Authorization", "TC3-HMAC-SHA256 Credential=AKIDX/2026-11-26/faceid, SignedHeaders=oops")
	c := Peek(r)
	if c.SecretID != "AKIDX" || c.Service != "faceid" || c.Action != "ApplyWebVerificationBizTokenIntl" || c.Timestamp != 1795715377 || c.Language != "en-US" || c.RequestClient != "SDK_GO_3.0.1474" {
		t.Errorf("Peek malformed = %+v", c)
	}
	// v1 with Params not filled in: Peek decodes by itself.
	for _, vec := range loadVectors(t) {
		if vec.isTC3() {
			continue
		}
		r := vec.request(t, true)
		want := Peek(r)
		r.Params = nil
		if got := Peek(r); got != want || got.SecretID != testID || got.Nonce == "" {
			t.Errorf("%s: Peek without Params %+v, want %+v", vec.SDKCase, got, want)
		}
	}
	// A form body sent as JSON is not decoded.
	r = nodeV1Vector(t)
	r.Params = nil
	setHeader(r, "Content-Type", "application/json")
	if c := Peek(r); c.Action != "" {
		t.Errorf("Peek decoded a non-form body: %+v", c)
	}
}

func TestKeyCacheBounded(t *testing.T) {
	v := vectorVerifier()
	cred := v.creds[testID]
	for i := 0; i < keyCacheCap+100; i++ {
		v.keys.signer(cred, "2026-11-26", strconv.Itoa(i))
	}
	if n := len(v.keys.m); n > keyCacheCap {
		t.Fatalf("cache holds %d > %d", n, keyCacheCap)
	}
	// Derived keys from the cache sign correctly after churn.
	if _, f := v.Verify(goVector(t)); f != nil {
		t.Fatal(f)
	}
	a := v.keys.signer(cred, "2026-11-26", "faceid")
	if b := v.keys.signer(cred, "2026-11-26", "faceid"); a != b {
		t.Error("cache miss on a repeated scope")
	}
}

func TestConcurrentVerify(t *testing.T) {
	v := vectorVerifier()
	vecs := loadVectors(t)
	reqs := make([]*Request, len(vecs))
	for i, vec := range vecs {
		reqs[i] = vec.request(t, true)
	}
	done := make(chan string)
	for g := 0; g < 8; g++ {
		go func(g int) {
			for i := 0; i < 200; i++ {
				r := reqs[(g+i)%len(reqs)]
				if _, f := v.Verify(r); f != nil {
					done <- f.Error()
					return
				}
				bad := clone(r)
				bad.Host = "x"
				if _, f := v.Verify(bad); code(f) != catalog.SignatureFailure {
					done <- "tampered request accepted"
					return
				}
			}
			done <- ""
		}(g)
	}
	for g := 0; g < 8; g++ {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}

func TestDuplicateCredentialsFirstWins(t *testing.T) {
	v := newTestVerifier(Config{MaxSkew: 5 * time.Minute, Credentials: []Credential{{SecretID: testID, SecretKey: testKey}, {SecretID: testID, SecretKey: "OTHER"}}})
	if _, f := v.Verify(goVector(t)); f != nil {
		t.Fatal(f)
	}
}

// TestDiagnosticsElideLongValues keeps image-sized parameters out of the
// diagnostics that the journal and dashboard show.
func TestDiagnosticsElideLongValues(t *testing.T) {
	long := strings.Repeat("A", 5000)
	got := elideLong("POST127.0.0.1/?Action=X&CompareImageBase64=" + long + "&Extra=e")
	if strings.Contains(got, long[:300]) || !strings.Contains(got, "bytes elided") || !strings.HasSuffix(got, "&Extra=e") {
		t.Errorf("elideLong = %.200q", got)
	}
	if short := "GET\n/\na=1&b=2\n"; elideLong(short) != short {
		t.Error("short text changed")
	}
}
