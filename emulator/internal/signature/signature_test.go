package signature

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
)

// TestSDKVectors verifies the eight requests the official SDKs really sent.
func TestSDKVectors(t *testing.T) {
	v := vectorVerifier()
	for _, vec := range loadVectors(t) {
		for _, canonical := range []bool{true, false} {
			name := vec.SDKCase + "/wire-case-keys"
			if canonical {
				name = vec.SDKCase + "/canonical-keys"
			}
			t.Run(name, func(t *testing.T) {
				r := vec.request(t, canonical)
				c, f := v.Verify(r)
				if f != nil {
					t.Fatalf("Verify: %v (diagnostics %+v)", f, f.Diagnostics)
				}
				if c.Action != "ApplyWebVerificationBizTokenIntl" || c.Version != "2018-03-01" ||
					c.Region != "ap-singapore" || c.SecretID != testID {
					t.Errorf("common = %+v", c)
				}
				if c.Timestamp < 1795715355 || c.Timestamp > 1795715478 {
					t.Errorf("timestamp %d", c.Timestamp)
				}
				if vec.isTC3() {
					wantService, _ := vec.note(reService)
					wantHost, _ := vec.note(reHost)
					if c.Scheme != TC3 || c.Service != wantService || c.SignedHost != wantHost || c.Nonce != "" {
						t.Errorf("scheme %q service %q signed host %q nonce %q; want TC3 %q %q", c.Scheme, c.Service, c.SignedHost, c.Nonce, wantService, wantHost)
					}
				} else {
					wantMethod, _ := vec.note(reMethod)
					wantSTS, _ := vec.note(reSTS)
					if string(c.Scheme) != wantMethod || c.Service != "" || c.Nonce == "" || c.SignedHost != r.Host {
						t.Errorf("scheme %q service %q nonce %q signed host %q; want %q", c.Scheme, c.Service, c.Nonce, c.SignedHost, wantMethod)
					}
					if got := StringToSignV1(r.Method, r.Host, r.Params); got != wantSTS {
						t.Errorf("string to sign\n got %q\nwant %q", got, wantSTS)
					}
				}
				// Peek must read the same parameters without verifying.
				p := Peek(r)
				c.SignedHost = ""
				if p != c {
					t.Errorf("Peek = %+v\nVerify = %+v", p, c)
				}
			})
		}
	}
}

// TestSDKVectorsRealClock: the vectors are from 2026-11-26, so with the
// real clock they are outside the window (unless this runs that very day).
func TestSDKVectorsRealClock(t *testing.T) {
	now := time.Now()
	if d := now.Sub(vectorNow); d > -time.Hour && d < time.Hour {
		t.Skip("the real clock is within the vectors' window")
	}
	v := New(Config{Credentials: []Credential{{SecretID: testID, SecretKey: testKey}}, Now: time.Now, MaxSkew: 5 * time.Minute})
	for _, vec := range loadVectors(t) {
		_, f := v.Verify(vec.request(t, true))
		if code(f) != catalog.SignatureExpire {
			t.Errorf("%s: got %q, want %s", vec.SDKCase, code(f), catalog.SignatureExpire)
		}
		if f != nil && (f.Common.SecretID != testID || f.Common.Action == "") {
			t.Errorf("%s: failure common not filled: %+v", vec.SDKCase, f.Common)
		}
	}
	// MaxSkew 0 turns the window off; the signatures themselves are good.
	v0 := New(Config{Credentials: []Credential{{SecretID: testID, SecretKey: testKey}}, Now: time.Now})
	for _, vec := range loadVectors(t) {
		if _, f := v0.Verify(vec.request(t, true)); f != nil {
			t.Errorf("%s with MaxSkew 0: %v", vec.SDKCase, f)
		}
	}
}

// Known-answer test of the Signature v3 documentation (wire-protocol.md §1.1).
const (
	katKey     = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
	katID      = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
	katTC3Body = `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`
	katTC3TS   = 1551113065
	katTC3Sig  = "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
	katTC3CT   = "application/json; charset=utf-8"
	katTC3Host = "cvm.tencentcloudapi.com"
)

func TestKnownAnswerTC3(t *testing.T) {
	sum := sha256.Sum256([]byte(katTC3Body))
	if got := hex.EncodeToString(sum[:]); got != "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064" {
		t.Fatalf("payload hash %s", got)
	}
	in := tc3Input{method: "POST", signedHeaders: "content-type;host", payloadHash: []byte(hex.EncodeToString(sum[:]))}
	cr := sha256.Sum256(appendCanonical(nil, &in, katTC3Host, katTC3CT))
	if got := hex.EncodeToString(cr[:]); got != "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031" {
		t.Fatalf("canonical request hash %s", got)
	}
	if got := SignTC3(katKey, "POST", katTC3Host, "", katTC3CT, []byte(katTC3Body), katTC3TS, "cvm"); got != katTC3Sig {
		t.Fatalf("SignTC3 = %s, want %s", got, katTC3Sig)
	}
	auth := AuthorizationTC3(katID, katKey, "POST", katTC3Host, "", katTC3CT, []byte(katTC3Body), katTC3TS, "cvm")
	wantAuth := "TC3-HMAC-SHA256 Credential=" + katID + "/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=" + katTC3Sig
	if auth != wantAuth {
		t.Fatalf("AuthorizationTC3 = %q", auth)
	}

	r := &Request{Method: "POST", Host: katTC3Host, Body: []byte(katTC3Body), Header: http.Header{
		"Authorization":  {auth},
		"Content-Type":   {katTC3CT},
		"X-TC-Action":    {"DescribeInstances"},
		"X-TC-Version":   {"2017-03-12"},
		"X-TC-Timestamp": {strconv.Itoa(katTC3TS)},
		"X-TC-Region":    {"ap-guangzhou"},
	}}
	v := New(Config{Credentials: []Credential{{SecretID: katID, SecretKey: katKey}}, Now: func() time.Time { return time.Unix(katTC3TS+10, 0) }, MaxSkew: 5 * time.Minute})
	c, f := v.Verify(r)
	if f != nil {
		t.Fatalf("Verify: %v %+v", f, f.Diagnostics)
	}
	if c.Service != "cvm" || c.Action != "DescribeInstances" || c.Region != "ap-guangzhou" || c.Timestamp != katTC3TS {
		t.Errorf("common %+v", c)
	}
	r.Body[len(r.Body)-2] = ']' + 1
	if _, f := v.Verify(r); code(f) != catalog.SignatureFailure {
		t.Errorf("tampered KAT: %q", code(f))
	}
}

// Known-answer test of the legacy signature documentation (wire-protocol.md §2).
func TestKnownAnswerV1(t *testing.T) {
	const (
		sts = "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886&Offset=0&Region=ap-guangzhou&SecretId=" + katID + "&Timestamp=1465185768&Version=2017-03-12"
		sig = "EliP9YW3pW28FpsEdkXt/+WcGeI="
	)
	p := url.Values{
		"Action": {"DescribeInstances"}, "InstanceIds.0": {"ins-09dx96dg"}, "Limit": {"20"}, "Nonce": {"11886"},
		"Offset": {"0"}, "Region": {"ap-guangzhou"}, "SecretId": {katID}, "Timestamp": {"1465185768"}, "Version": {"2017-03-12"},
	}
	if got := StringToSignV1("GET", "cvm.tencentcloudapi.com", p); got != sts {
		t.Fatalf("StringToSignV1 = %q", got)
	}
	if got := SignV1(katKey, HmacSHA1, "GET", "cvm.tencentcloudapi.com", p); got != sig {
		t.Fatalf("SignV1 = %s, want %s", got, sig)
	}
	// No SignatureMethod: the server must pick HMAC-SHA1.
	p.Set("Signature", sig)
	r := &Request{Method: "GET", Host: "cvm.tencentcloudapi.com", RawQuery: p.Encode(), Params: p}
	v := New(Config{Credentials: []Credential{{SecretID: katID, SecretKey: katKey}}, Now: func() time.Time { return time.Unix(1465185768, 0) }, MaxSkew: 5 * time.Minute})
	c, f := v.Verify(r)
	if f != nil {
		t.Fatalf("Verify: %v %+v", f, f.Diagnostics)
	}
	if c.Scheme != HmacSHA1 || c.Nonce != "11886" || c.Action != "DescribeInstances" || c.SecretID != katID {
		t.Errorf("common %+v", c)
	}
	// The signature is not valid for HMAC-SHA256.
	p.Set("SignatureMethod", "HmacSHA256")
	if _, f := v.Verify(r); code(f) != catalog.SignatureFailure {
		t.Errorf("HmacSHA256 over a SHA1 signature: %q", code(f))
	}
	// "Params order" is irrelevant: sorting puts InstanceIds.12 before InstanceIds.2.
	q := url.Values{"InstanceIds.2": {"b"}, "InstanceIds.12": {"a"}}
	if got := StringToSignV1("GET", "h", q); got != "GETh/?InstanceIds.12=a&InstanceIds.2=b" {
		t.Errorf("byte order: %q", got)
	}
}

func TestUnsignedPayloadHash(t *testing.T) {
	sum := sha256.Sum256([]byte(unsignedMark))
	if got := hex.EncodeToString(sum[:]); got != unsignedPayloadHash {
		t.Fatalf("unsignedPayloadHash = %s, want %s", unsignedPayloadHash, got)
	}
}

// TestSignHelpersRoundTrip checks that what the project's tools produce with
// the helpers is what the verifier accepts, for both TC3 methods and v1.
func TestSignHelpersRoundTrip(t *testing.T) {
	v := vectorVerifier()
	body := []byte(`{"RuleId":"1"}`)
	for _, method := range []string{"POST", "GET"} {
		ct, q, b := "application/json", "", body
		if method == "GET" {
			ct, q, b = "application/x-www-form-urlencoded", "RuleId=1&Config.AutoSkip=True&X=a+b%20c", nil
		}
		auth := AuthorizationTC3(testID, testKey, method, "localhost:9000", q, ct, b, vectorNow.Unix(), "localhost:9000")
		r := &Request{Method: method, Host: "localhost:9000", RawQuery: q, Body: b, Header: http.Header{
			"Authorization": {auth}, "Content-Type": {ct}, "X-Tc-Action": {"GetWebVerificationResultIntl"},
			"X-Tc-Version": {"2018-03-01"}, "X-Tc-Timestamp": {strconv.FormatInt(vectorNow.Unix(), 10)},
		}}
		c, f := v.Verify(r)
		if f != nil {
			t.Fatalf("%s: %v %+v", method, f, f.Diagnostics)
		}
		if c.Service != "localhost:9000" || c.Action != "GetWebVerificationResultIntl" {
			t.Errorf("%s: %+v", method, c)
		}
	}
	for _, scheme := range []Scheme{HmacSHA1, HmacSHA256} {
		p := url.Values{"Action": {"GetWebVerificationResultIntl"}, "Version": {"2018-03-01"}, "SecretId": {testID},
			"Timestamp": {strconv.FormatInt(vectorNow.Unix(), 10)}, "Nonce": {"42"}, "SignatureMethod": {string(scheme)},
			"BizToken": {"a b&c=d"}}
		p.Set("Signature", SignV1(testKey, scheme, "POST", "127.0.0.1:1", p))
		c, f := v.Verify(&Request{Method: "POST", Host: "127.0.0.1:1", Params: p})
		if f != nil {
			t.Fatalf("%s: %v %+v", scheme, f, f.Diagnostics)
		}
		if c.Scheme != scheme {
			t.Errorf("scheme %q, want %q", c.Scheme, scheme)
		}
	}
}
