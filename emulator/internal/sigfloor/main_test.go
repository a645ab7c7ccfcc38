package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/signature"
)

// TestSignatureFloor: signed requests of both schemes get the floor's body,
// anything that fails the check gets an error envelope, other paths the
// floor's body unsigned (the bench's health probe).
func TestSignatureFloor(t *testing.T) {
	cred := emulator.DefaultCredential()
	v := signature.New(signature.Config{
		Credentials: []signature.Credential{{SecretID: cred.SecretID, SecretKey: cred.SecretKey}},
		MaxSkew:     emulator.DefaultMaxClockSkew,
	})
	srv := httptest.NewServer(handler(v))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	now := time.Now().Unix()

	tc3 := func(key string, body string) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", emulator.AuthorizationTC3(cred.SecretID, key, "POST", host, "", "application/json", []byte(body), now, "faceid"))
		r.Header.Set("X-TC-Action", "GetWebVerificationResultIntl")
		r.Header.Set("X-TC-Version", "2018-03-01")
		r.Header.Set("X-TC-Timestamp", strconv.FormatInt(now, 10))
		return r
	}
	v1 := func(key string) *http.Request {
		form := emulator.V1Request{
			SecretID: cred.SecretID, SecretKey: key, Method: "POST", Host: host,
			Action: "GetWebVerificationResultIntl", Version: "2018-03-01", Region: "ap-singapore",
			Timestamp: now, Nonce: "7", Params: url.Values{"BizToken": {"x"}},
		}.Signed().Encode()
		r, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	get := func(path string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		return r
	}
	for _, c := range []struct {
		name string
		req  *http.Request
		ok   bool
	}{
		{"tc3", tc3(cred.SecretKey, `{"BizToken":"x"}`), true},
		{"tc3 wrong key", tc3("wrong", `{"BizToken":"x"}`), false},
		{"v1", v1(cred.SecretKey), true},
		{"v1 wrong key", v1("wrong"), false},
		{"unsigned", get("/"), false},
		{"health", get("/_emulator/health"), true},
	} {
		resp, err := http.DefaultClient.Do(c.req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := body
		if !c.ok {
			want = refused
		}
		if resp.StatusCode != http.StatusOK || string(got) != string(want) {
			t.Errorf("%s: HTTP %d %s, want %s", c.name, resp.StatusCode, got, want)
		}
	}
}
