package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/signature"
)

const fuzzHost = "127.0.0.1:8780"

var (
	fuzzOnce sync.Once
	fuzzSrv  *emulator.Server
	fuzzErr  error
)

// fuzzServer is one emulator per fuzz worker process, with both clocks
// pinned to gwNow so that the signed seeds stay valid.
func fuzzServer(tb testing.TB) *emulator.Server {
	fuzzOnce.Do(func() {
		fuzzSrv, fuzzErr = emulator.New(emulator.Options{
			Credentials:    []emulator.Credential{{SecretID: gwID, SecretKey: gwKey}},
			Clock:          clock.Fixed(gwNow),
			SignatureClock: clock.Fixed(gwNow),
			MaxSessions:    10_000,
			JournalSize:    16,
		})
	})
	if fuzzErr != nil {
		tb.Fatal(fuzzErr)
	}
	return fuzzSrv
}

// headerLines renders headers as the fuzz input's "Name: value" lines.
func headerLines(h http.Header) string {
	var b strings.Builder
	for k, vs := range h {
		for _, v := range vs {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	return b.String()
}

type fuzzSeed struct {
	method, contentType, headers, query string
	body                                []byte
	resign                              bool
}

// seedTC3 is a real signed TC3 request (signature valid at gwNow).
func seedTC3(method, action string, body string, query string) fuzzSeed {
	const ct = "application/json"
	h := http.Header{}
	h.Set("Authorization", signature.AuthorizationTC3(gwID, gwKey, method, fuzzHost, query, ct, []byte(body), gwNow.Unix(), "faceid"))
	h.Set("X-TC-Action", action)
	h.Set("X-TC-Version", "2018-03-01")
	h.Set("X-TC-Timestamp", strconv.FormatInt(gwNow.Unix(), 10))
	h.Set("X-TC-Region", "ap-singapore")
	h.Set("X-TC-Language", "en-US")
	h.Set("X-TC-RequestClient", "SDK_GO_3.0.0")
	return fuzzSeed{method: method, contentType: ct, headers: headerLines(h), query: query, body: []byte(body)}
}

func seedV1(method, action string, business url.Values) fuzzSeed {
	p := signature.V1Request{
		SecretID: gwID, SecretKey: gwKey, Method: method, Host: fuzzHost,
		Action: action, Version: "2018-03-01", Region: "ap-singapore",
		Timestamp: gwNow.Unix(), Nonce: "1622", Params: business,
	}.Signed()
	if method == http.MethodGet {
		return fuzzSeed{method: method, query: p.Encode()}
	}
	return fuzzSeed{method: method, contentType: "application/x-www-form-urlencoded", body: []byte(p.Encode())}
}

func fuzzSeeds() []fuzzSeed {
	apply := `{"RedirectURL":"https://merchant.example/cb?a=1&b=<x>","CompareImageBase64":"aGVsbG8=","Extra":"ünïcode & spaces","Config":{"AutoSkip":true,"CheckMode":1,"IDCardType":"HKIDCard"}}`
	seeds := []fuzzSeed{
		seedTC3(http.MethodPost, "ApplyWebVerificationBizTokenIntl", apply, ""),
		seedTC3(http.MethodPost, "ApplyWebVerificationBizTokenIntl", `{"RedirectURL":"https://m.example/","RuleId":"slow-api"}`, ""),
		seedTC3(http.MethodPost, "GetWebVerificationResultIntl", `{"BizToken":"3F2504E0-4F89-11D3-9A0C-0305E82C3301"}`, ""),
		seedTC3(http.MethodGet, "GetWebVerificationResultIntl", "", "BizToken=3F2504E0-4F89-11D3-9A0C-0305E82C3301"),
		seedTC3(http.MethodPost, "DescribeNothing", `{}`, ""),
		seedV1(http.MethodPost, "ApplyWebVerificationBizTokenIntl", url.Values{"RedirectURL": {"https://m.example/"}, "Config.CheckMode": {"1"}, "Config.AutoSkip": {"True"}}),
		seedV1(http.MethodGet, "GetWebVerificationResultIntl", url.Values{"BizToken": {"nope"}}),
		{method: "PUT", contentType: "application/json", body: []byte(`{}`)},
		{method: "POST", contentType: "text/plain", headers: "Authorization: TC3-HMAC-SHA256 Credential=a/b/c/tc3_request\n", body: []byte("x")},
		{method: "POST", contentType: "application/json", headers: "X-TC-Action: ApplyWebVerificationBizTokenIntl\nX-TC-Version: 2018-03-01\n", body: []byte(`{"RedirectURL":"https://m.example/","Extra":1}`), resign: true},
		{method: "POST", contentType: "application/json", headers: "X-TC-Action: ApplyWebVerificationBizTokenIntl\nX-TC-Version: 2018-03-01\n", body: []byte(`{"RedirectURL":"https://m.example/","CompareImageBase64":"data:image/png;base64,AAAA"}`), resign: true},
		{method: "GET", contentType: "application/x-www-form-urlencoded", headers: "X-TC-Action: GetWebVerificationResultIntl\nX-TC-Version: 2018-03-01\n", query: "BizToken=x&Foo.0=1", resign: true},
	}
	// The first seed again with a duplicated Authorization header.
	dup := seeds[0]
	dup.headers += "Authorization: " + firstHeader(dup.headers, "Authorization") + "\n"
	return append(seeds, dup)
}

func firstHeader(lines, name string) string {
	for _, l := range strings.Split(lines, "\n") {
		if k, v, ok := strings.Cut(l, ": "); ok && strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// fuzzRequest builds the request. With resign, the harness replaces
// Authorization and X-TC-Timestamp with a valid TC3 signature of whatever
// the fuzzer produced, so the business decoders are reached too.
func fuzzRequest(s fuzzSeed) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://"+fuzzHost+"/", strings.NewReader(string(s.body)))
	r.Method = s.method
	r.URL.RawQuery = s.query
	r.RequestURI = "/?" + s.query
	r.ContentLength = int64(len(s.body))
	sc := bufio.NewScanner(strings.NewReader(s.headers))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && k != "" {
			r.Header.Add(k, strings.TrimSpace(v))
		}
	}
	if s.contentType != "" {
		r.Header.Set("Content-Type", s.contentType)
	}
	if s.resign {
		r.Header.Set("Authorization", signature.AuthorizationTC3(gwID, gwKey, s.method, fuzzHost, s.query, r.Header.Get("Content-Type"), s.body, gwNow.Unix(), "faceid"))
		r.Header.Set("X-TC-Timestamp", strconv.FormatInt(gwNow.Unix(), 10))
	}
	// Scripted latency (slow-api, ...) would stall the fuzzer: the gateway
	// stops waiting when the client has gone, so the request's context is
	// already cancelled.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return r.WithContext(ctx)
}

// FuzzGateway drives the whole emulator handler with arbitrary API
// requests. Invariants: it never panics (a scripted connection-reset fault,
// reachable with RuleId, aborts the handler with http.ErrAbortHandler, which
// net/http turns into a reset); every answer is HTTP 200 with exactly
// Content-Type: application/json and a {"Response":{...,"RequestId"}}
// envelope whose lower-case UUID equals X-TC-RequestId, except a scripted
// HTTP 502 fault; and every Error.Code is in the catalogue.
func FuzzGateway(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s.method, s.contentType, s.headers, s.query, s.body, s.resign)
	}
	f.Fuzz(func(t *testing.T, method, contentType, headers, query string, body []byte, resign bool) {
		srv := fuzzServer(t)
		s := fuzzSeed{method: method, contentType: contentType, headers: headers, query: query, body: body, resign: resign}
		r := fuzzRequest(s)
		w := httptest.NewRecorder()
		aborted := false
		func() {
			defer func() {
				if v := recover(); v != nil {
					if v != http.ErrAbortHandler {
						panic(v)
					}
					aborted = true
				}
			}()
			srv.ServeHTTP(w, r)
		}()
		if aborted {
			return // scripted connection-reset or truncated-body fault
		}
		if w.Code == http.StatusBadGateway && strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			return // scripted http-502 fault
		}
		if w.Code != http.StatusOK {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if ct := w.Header().Values("Content-Type"); len(ct) != 1 || ct[0] != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
		var env struct {
			Response *struct {
				Error *struct {
					Code    *string
					Message *string
				}
				RequestId *string
			}
		}
		if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
			t.Fatalf("body is not JSON: %v: %q", err, w.Body)
		}
		if env.Response == nil || env.Response.RequestId == nil {
			t.Fatalf("no Response.RequestId: %s", w.Body)
		}
		id := *env.Response.RequestId
		if !lowerUUID.MatchString(id) || w.Header().Get("X-TC-RequestId") != id {
			t.Fatalf("RequestId %q, X-TC-RequestId %q", id, w.Header().Get("X-TC-RequestId"))
		}
		if e := env.Response.Error; e != nil {
			if e.Code == nil || e.Message == nil || *e.Message == "" {
				t.Fatalf("error without Code or Message: %s", w.Body)
			}
			if _, ok := catalog.LookupAPIError(*e.Code); !ok {
				t.Fatalf("code %q is not in the catalogue", *e.Code)
			}
		}
	})
}

// TestFuzzSeedsAreValid keeps the seeds honest: the signed ones really pass
// the signature check.
func TestFuzzSeedsAreValid(t *testing.T) {
	srv := fuzzServer(t)
	for i, s := range fuzzSeeds()[:7] {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, fuzzRequest(s))
		body := w.Body.String()
		if strings.Contains(body, "AuthFailure") || strings.Contains(body, "MissingParameter") {
			t.Errorf("seed %d (%s) fails the signature: %s", i, s.method, body)
		}
	}
}
