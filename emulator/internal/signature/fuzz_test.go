package signature

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
)

func FuzzParseAuthorization(f *testing.F) {
	for _, vec := range loadVectors(f) {
		if vec.isTC3() {
			f.Add(vec.request(f, true).Header.Get("Authorization"))
		}
	}
	for _, s := range []string{"", "SKIP", "TC3-HMAC-SHA256 ", "TC3-HMAC-SHA256 Credential=a/b/c/d,,", "TC3-HMAC-SHA256 Credential=a//,SignedHeaders=;,Signature=zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := parseAuthorization(s)
		if !ok {
			return
		}
		if a.secretID == "" || !isDate(a.date) || a.service == "" || !validSignedHeaders(a.signedHeaders) {
			t.Fatalf("accepted %q as %+v", s, a)
		}
		if strings.ContainsAny(a.secretID+a.date+a.service, "/") {
			t.Fatalf("scope part contains '/': %+v", a)
		}
		// The canonical rendering of what was parsed parses to the same.
		again := tc3Prefix + "Credential=" + a.secretID + "/" + a.date + "/" + a.service + "/" + tc3Terminator +
			", SignedHeaders=" + a.signedHeaders + ", Signature=" + hex.EncodeToString(a.signature[:])
		b, ok := parseAuthorization(again)
		if !ok || b != a {
			t.Fatalf("%q parsed as %+v, re-rendered %q parsed as %+v (%v)", s, a, again, b, ok)
		}
	})
}

// checkFailure holds for any outcome of Verify.
func checkFailure(t *testing.T, c Common, f *Failure, inputs ...string) {
	if f == nil {
		if c.Action == "" || c.Version == "" || c.SecretID != testID || c.SignedHost == "" {
			t.Fatalf("accepted with common %+v", c)
		}
		return
	}
	if f.Err == nil || f.Err.Code == "" {
		t.Fatal("failure without error")
	}
	if _, ok := catalog.LookupAPIError(f.Err.Code); !ok {
		t.Fatalf("code %q not in the catalogue", f.Err.Code)
	}
	if (f.Diagnostics != nil) != (f.Err.Code == catalog.SignatureFailure) {
		t.Fatalf("diagnostics %v for %s", f.Diagnostics != nil, f.Err.Code)
	}
	if f.Diagnostics == nil {
		return
	}
	raw, err := json.Marshal(f.Diagnostics)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inputs {
		if strings.Contains(in, testKey) {
			return // the fuzzer put the key in the request itself
		}
	}
	if strings.Contains(string(raw), testKey) {
		t.Fatalf("key in diagnostics %s", raw)
	}
}

func FuzzVerifyTC3(f *testing.F) {
	for _, vec := range loadVectors(f) {
		if !vec.isTC3() {
			continue
		}
		r := vec.request(f, true)
		f.Add(r.Method, r.Host, r.RawQuery, r.Header.Get("Authorization"), r.Header.Get("X-Tc-Timestamp"),
			r.Header.Get("Content-Type"), r.Header.Get("X-Tc-Token"), string(r.Body))
	}
	f.Add("POST", "[::1]:", "", "TC3-HMAC-SHA256 Credential=AKIDTEST/2026-11-26/x/tc3_request, SignedHeaders=host;x, Signature="+strings.Repeat("0", 64), "99999999999999999999", "", "t", "")
	f.Add("GET", "", "%zz", "TC3-HMAC-SHA256 Credential=AKIDTEST/0000-00-00/x/tc3_request, SignedHeaders=host, Signature="+strings.Repeat("a", 64), "-9223372036854775808", "A", "", "x")
	v := vectorVerifier()
	v0 := newTestVerifier(Config{HostAliases: []string{"alias", "alias:1"}, Credentials: []Credential{{SecretID: testID, SecretKey: testKey, Token: "t"}}})
	f.Fuzz(func(t *testing.T, method, host, rawQuery, auth, ts, contentType, token, body string) {
		r := &Request{Method: method, Host: host, RawQuery: rawQuery, Body: []byte(body), Header: http.Header{
			"Authorization":       {auth},
			"Content-Type":        {contentType},
			"X-Tc-Action":         {"ApplyWebVerificationBizTokenIntl"},
			"X-Tc-Version":        {"2018-03-01"},
			"X-Tc-Timestamp":      {ts},
			"X-Tc-Token":          {token},
			"X-Tc-Content-Sha256": {strings.ToUpper(token)},
		}}
		_ = Peek(r)
		c, fl := v.Verify(r)
		checkFailure(t, c, fl, host, rawQuery, auth, contentType, body)
		c, fl = v0.Verify(r)
		checkFailure(t, c, fl, host, rawQuery, auth, contentType, body)
	})
}

func FuzzVerifyV1(f *testing.F) {
	for _, vec := range loadVectors(f) {
		if vec.isTC3() {
			continue
		}
		r := vec.request(f, true)
		src := string(r.Body)
		if r.Method == http.MethodGet {
			src = r.RawQuery
		}
		f.Add(r.Method, r.Host, src)
	}
	f.Add("POST", "h", "Action=a&Version=b&SecretId=AKIDTEST&Timestamp=99999999999999999999&Nonce=1&Signature=%20")
	f.Add("GET", "h:1", "Action=a&Version=b&SecretId=AKIDTEST&Timestamp=-1&Nonce=-&Signature=x&Signature=y&SignatureMethod=HmacSHA256")
	v := vectorVerifier()
	v0 := New(Config{Credentials: []Credential{{SecretID: testID, SecretKey: testKey, Token: "t"}}, Now: time.Now, HostAliases: []string{"a"}})
	f.Fuzz(func(t *testing.T, method, host, encoded string) {
		p, _ := url.ParseQuery(encoded) // the gateway passes what decoded, as here
		r := &Request{Method: method, Host: host, Params: p, Body: []byte(encoded), RawQuery: encoded}
		_ = Peek(r)
		r.Params = nil
		_ = Peek(r)
		r.Params = p
		c, fl := v.Verify(r)
		checkFailure(t, c, fl, host, encoded)
		c, fl = v0.Verify(r)
		checkFailure(t, c, fl, host, encoded)
	})
}
