package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/signature"
	"github.com/faceid-emulator/faceid-emulator/internal/textlog"
)

const (
	gwID      = "AKIDGATEWAYTEST000000000000000001"
	gwKey     = "gateway-test-key"
	gwHost    = "faceid.example:8780"
	gwVersion = "2018-03-01"
)

// gwNow is the fixed wall time of the gateway tests; signatures are made
// for it.
var gwNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var lowerUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// echoReq is the request model of the test action "Echo".
type echoReq struct {
	Name   *string `json:"Name"`
	Count  *int64  `json:"Count"`
	Nested *struct {
		Flag *bool `json:"Flag"`
	} `json:"Nested"`
}

type echoResp struct {
	Name      string `json:"Name"`
	Count     int64  `json:"Count"`
	SecretId  string `json:"SecretId"`
	RequestId string `json:"RequestId"`
}

// observer collects journal records.
type observer struct {
	mu   sync.Mutex
	recs []api.Record
}

func (o *observer) Observe(r api.Record) {
	o.mu.Lock()
	if len(o.recs) >= 64 {
		o.recs = append(o.recs[:0], o.recs[32:]...)
	}
	o.recs = append(o.recs, r)
	o.mu.Unlock()
}

func (o *observer) last(t *testing.T) api.Record {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.recs) == 0 {
		t.Fatal("no record observed")
	}
	return o.recs[len(o.recs)-1]
}

// newGateway returns a gateway with the actions Echo, Fault<kind> and Slow,
// accepting gwID/gwKey in region ap-singapore only.
func newGateway(t testing.TB, log *slog.Logger) (*api.Gateway, *observer) {
	t.Helper()
	obs := &observer{}
	g := api.New(api.Config{
		Verifier: signature.New(signature.Config{
			Credentials: []signature.Credential{{SecretID: gwID, SecretKey: gwKey}},
			Now:         func() time.Time { return gwNow },
			MaxSkew:     5 * time.Minute,
		}),
		Regions:  []string{"ap-singapore"},
		Clock:    clock.Fixed(gwNow),
		Logger:   log,
		Observer: obs,
	})
	actions := map[string]api.Handler{}
	actions["Echo"] = func(_ context.Context, c *api.Call) api.Reply {
		var req echoReq
		if err := c.Decode(&req); err != nil {
			return api.Reply{Err: err}
		}
		resp := &echoResp{SecretId: c.Common.SecretID, RequestId: c.RequestID}
		if req.Name != nil {
			resp.Name = *req.Name
		}
		if req.Count != nil {
			resp.Count = *req.Count
		}
		c.Token = "TOKEN-" + resp.Name
		c.Note("echoed")
		return api.Reply{Body: resp}
	}
	for _, f := range []api.Fault{api.FaultHTTP502, api.FaultConnectionReset, api.FaultTruncatedBody} {
		actions["Fault"+string(f)] = func(_ context.Context, c *api.Call) api.Reply {
			return api.Reply{Fault: f, Body: &echoResp{RequestId: c.RequestID}}
		}
	}
	actions["Slow"] = func(_ context.Context, c *api.Call) api.Reply {
		return api.Reply{Latency: time.Hour, Body: &echoResp{RequestId: c.RequestID}}
	}
	actions["Unencodable"] = func(_ context.Context, c *api.Call) api.Reply {
		return api.Reply{Body: map[string]any{"Bad": func() {}}}
	}
	g.AddService("faceid", gwVersion, mapResolver(actions))
	return g, obs
}

// tc3 builds a signed TC3 POST application/json request.
func tc3(action string, body string, mutate ...func(*http.Request)) *http.Request {
	return tc3With(action, gwVersion, "application/json", body, gwNow.Unix(), mutate...)
}

func tc3With(action, version, contentType, body string, ts int64, mutate ...func(*http.Request)) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://"+gwHost+"/", strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("Authorization", signature.AuthorizationTC3(gwID, gwKey, http.MethodPost, gwHost, "", contentType, []byte(body), ts, "faceid"))
	r.Header.Set("X-TC-Action", action)
	r.Header.Set("X-TC-Version", version)
	r.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	r.Header.Set("X-TC-Region", "ap-singapore")
	for _, m := range mutate {
		m(r)
	}
	return r
}

// tc3Get builds a signed TC3 GET request with the parameters in the query.
func tc3Get(action string, q url.Values) *http.Request {
	raw := q.Encode()
	r := httptest.NewRequest(http.MethodGet, "http://"+gwHost+"/?"+raw, nil)
	const ct = "application/x-www-form-urlencoded"
	r.Header.Set("Content-Type", ct)
	r.Header.Set("Authorization", signature.AuthorizationTC3(gwID, gwKey, http.MethodGet, gwHost, raw, ct, nil, gwNow.Unix(), "faceid"))
	r.Header.Set("X-TC-Action", action)
	r.Header.Set("X-TC-Version", gwVersion)
	r.Header.Set("X-TC-Timestamp", strconv.FormatInt(gwNow.Unix(), 10))
	return r
}

// v1Params returns the signed v1 parameters of a request.
func v1Params(method, action string, business url.Values) url.Values {
	return signature.V1Request{
		SecretID: gwID, SecretKey: gwKey, Method: method, Host: gwHost,
		Action: action, Version: gwVersion, Region: "ap-singapore",
		Timestamp: gwNow.Unix(), Nonce: "4242", Params: business,
	}.Signed()
}

func v1Post(action string, business url.Values) *http.Request {
	body := v1Params(http.MethodPost, action, business).Encode()
	r := httptest.NewRequest(http.MethodPost, "http://"+gwHost+"/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func v1Get(action string, business url.Values) *http.Request {
	q := v1Params(http.MethodGet, action, business).Encode()
	return httptest.NewRequest(http.MethodGet, "http://"+gwHost+"/?"+q, nil)
}

type wireEnvelope struct {
	Response struct {
		Error *struct {
			Code    string
			Message string
		}
		RequestId string
		Name      string
		Count     int64
		SecretId  string
	}
}

// serve runs r through g and checks the envelope invariants: HTTP 200,
// Content-Type exactly application/json, a Content-Length matching the
// body, Response.RequestId a lower-case UUID equal to X-TC-RequestId.
func serve(t *testing.T, g http.Handler, r *http.Request) (wireEnvelope, *httptest.ResponseRecorder) {
	t.Helper()
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	var env wireEnvelope
	checkEnvelope(t, w, &env)
	return env, w
}

func checkEnvelope(t testing.TB, w *httptest.ResponseRecorder, env *wireEnvelope) {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", w.Code, w.Body)
	}
	if ct := w.Header().Values("Content-Type"); len(ct) != 1 || ct[0] != "application/json" {
		t.Errorf("Content-Type = %q, want exactly application/json", ct)
	}
	if cl := w.Header().Get("Content-Length"); cl != strconv.Itoa(w.Body.Len()) {
		t.Errorf("Content-Length = %q, body is %d bytes", cl, w.Body.Len())
	}
	if err := json.Unmarshal(w.Body.Bytes(), env); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, w.Body)
	}
	if !lowerUUID.MatchString(env.Response.RequestId) {
		t.Errorf("RequestId %q is not a lower-case UUID", env.Response.RequestId)
	}
	if h := w.Header().Get("X-TC-RequestId"); h != env.Response.RequestId {
		t.Errorf("X-TC-RequestId %q != Response.RequestId %q", h, env.Response.RequestId)
	}
}

func errCode(env wireEnvelope) string {
	if env.Response.Error == nil {
		return ""
	}
	return env.Response.Error.Code
}

func TestGatewaySuccessEnvelope(t *testing.T) {
	g, obs := newGateway(t, nil)
	for name, r := range map[string]*http.Request{
		"tc3-post":    tc3("Echo", `{"Name":"ana","Count":3}`),
		"tc3-get":     tc3Get("Echo", url.Values{"Name": {"ana"}, "Count": {"3"}}),
		"v1-post":     v1Post("Echo", url.Values{"Name": {"ana"}, "Count": {"3"}}),
		"v1-get":      v1Get("Echo", url.Values{"Name": {"ana"}, "Count": {"3"}}),
		"tc3-charset": tc3With("Echo", gwVersion, "application/json; charset=utf-8", `{"Name":"ana","Count":3}`, gwNow.Unix()),
		"path-prefix": tc3("Echo", `{"Name":"ana","Count":3}`, func(r *http.Request) { r.URL.Path = "/some/prefix" }),
		"v1-form-utf8": func() *http.Request {
			r := v1Post("Echo", url.Values{"Name": {"ana"}, "Count": {"3"}})
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			return r
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			env, _ := serve(t, g, r)
			if env.Response.Error != nil {
				t.Fatalf("error %+v", env.Response.Error)
			}
			if env.Response.Name != "ana" || env.Response.Count != 3 || env.Response.SecretId != gwID {
				t.Errorf("response %+v", env.Response)
			}
			rec := obs.last(t)
			if rec.RequestID != env.Response.RequestId || rec.Action != "Echo" || rec.Signature != "ok" ||
				rec.Token != "TOKEN-ana" || len(rec.Notes) != 1 || rec.SecretID != gwID || rec.ErrorCode != "" {
				t.Errorf("record %+v", rec)
			}
		})
	}
}

func TestGatewayRequestIDsUnique(t *testing.T) {
	g, _ := newGateway(t, nil)
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		env, _ := serve(t, g, tc3("Echo", `{}`))
		if seen[env.Response.RequestId] {
			t.Fatalf("RequestId %s repeated", env.Response.RequestId)
		}
		seen[env.Response.RequestId] = true
	}
}

// TestGatewayCheckOrder walks wire-protocol.md §4.4: each case breaks one
// rule while also breaking every later one it can, so the first check wins.
func TestGatewayCheckOrder(t *testing.T) {
	g, _ := newGateway(t, nil)
	big := strings.Repeat("a", api.MaxTC3PostBytes+1)
	cases := []struct {
		name string
		req  func() *http.Request
		code string
		msg  string // substring of the English message
	}{
		{"PUT", func() *http.Request { r := tc3("Nope", `{`); r.Method = http.MethodPut; return r }, catalog.UnsupportedProtocol, ""},
		{"DELETE", func() *http.Request { r := tc3("Nope", `{`); r.Method = http.MethodDelete; return r }, catalog.UnsupportedProtocol, ""},
		{"PATCH", func() *http.Request { r := tc3("Nope", `{`); r.Method = http.MethodPatch; return r }, catalog.UnsupportedProtocol, ""},
		{"OPTIONS", func() *http.Request { r := tc3("Nope", `{`); r.Method = http.MethodOptions; return r }, catalog.UnsupportedProtocol, ""},
		{"TC3 over 10 MB", func() *http.Request {
			r := tc3("Nope", big)
			r.Header.Del("Authorization")
			r.Header.Set("Authorization", "garbage")
			return r
		}, catalog.RequestSizeLimitExceeded, ""},
		{"TC3 over 10 MB chunked", func() *http.Request {
			r := tc3("Nope", big)
			r.ContentLength = -1
			r.Body = io.NopCloser(strings.NewReader(big))
			return r
		}, catalog.RequestSizeLimitExceeded, ""},
		{"v1 over 1 MB", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "http://"+gwHost+"/", strings.NewReader("Action=Nope&"+strings.Repeat("x", api.MaxV1PostBytes)))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, catalog.SignatureFailure, "exceeding request size limit"},
		{"GET over 32 KB", func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "http://"+gwHost+"/?Action=Nope&x="+strings.Repeat("y", api.MaxGetBytes), nil)
		}, catalog.RequestSizeLimitExceeded, ""},
		{"two Authorization headers", func() *http.Request {
			r := tc3("Nope", `{`, func(r *http.Request) { r.Header.Add("Authorization", r.Header.Get("Authorization")) })
			r.Header.Del("X-TC-Action")
			return r
		}, catalog.InvalidAuthorization, ""},
		{"garbage Authorization", func() *http.Request {
			return tc3("Nope", `{`, func(r *http.Request) { r.Header.Set("Authorization", "Bearer x"); r.Header.Del("X-TC-Action") })
		}, catalog.InvalidAuthorization, ""},
		{"empty Authorization", func() *http.Request {
			return tc3("Nope", `{`, func(r *http.Request) { r.Header.Set("Authorization", "") })
		}, catalog.InvalidAuthorization, ""},
		{"missing X-TC-Action", func() *http.Request {
			return tc3("Nope", `{`, func(r *http.Request) { r.Header.Del("X-TC-Action"); r.Header.Set("X-TC-Timestamp", "1") })
		}, catalog.MissingParameter, "`Action`"},
		{"missing X-TC-Version", func() *http.Request {
			return tc3("Nope", `{`, func(r *http.Request) { r.Header.Del("X-TC-Version") })
		}, catalog.MissingParameter, "`Version`"},
		{"missing X-TC-Timestamp", func() *http.Request {
			return tc3("Nope", `{`, func(r *http.Request) { r.Header.Del("X-TC-Timestamp") })
		}, catalog.MissingParameter, "`Timestamp`"},
		{"non-numeric timestamp", func() *http.Request {
			return tc3("Nope", `{`, func(r *http.Request) { r.Header.Set("X-TC-Timestamp", "soon") })
		}, catalog.InvalidParameter, "`Timestamp`"},
		{"expired timestamp, unknown key", func() *http.Request {
			r := tc3With("Nope", "1999-01-01", "text/plain", `{`, gwNow.Unix()-301)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), gwID, "AKIDUNKNOWN", 1))
			return r
		}, catalog.SignatureExpire, ""},
		{"negative timestamp", func() *http.Request { return tc3With("Nope", gwVersion, "application/json", `{`, -1) }, catalog.SignatureExpire, ""},
		{"huge timestamp", func() *http.Request {
			return tc3("Nope", `{`, func(r *http.Request) { r.Header.Set("X-TC-Timestamp", "99999999999999999999999") })
		}, catalog.SignatureExpire, ""},
		{"unknown SecretId", func() *http.Request {
			r := tc3("Nope", `{`)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), gwID, "AKIDUNKNOWN", 1))
			return r
		}, catalog.SecretIDNotFound, ""},
		{"wrong signature", func() *http.Request {
			return tc3("Nope", `{`, func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader(`{}`)); r.ContentLength = 2 })
		}, catalog.SignatureFailure, "could not be validated"},
		{"unknown action, bad version, bad region", func() *http.Request {
			return tc3With("Nope", "1999-01-01", "text/plain", `{`, gwNow.Unix(), func(r *http.Request) { r.Header.Set("X-TC-Region", "mars-1") })
		}, catalog.InvalidAction, ""},
		{"bad version, bad region", func() *http.Request {
			return tc3With("Echo", "1999-01-01", "text/plain", `{`, gwNow.Unix(), func(r *http.Request) { r.Header.Set("X-TC-Region", "mars-1") })
		}, catalog.NoSuchVersion, ""},
		{"bad region, bad content type", func() *http.Request {
			return tc3With("Echo", gwVersion, "text/plain", `{`, gwNow.Unix(), func(r *http.Request) { r.Header.Set("X-TC-Region", "mars-1") })
		}, catalog.UnsupportedRegion, ""},
		{"TC3 text/plain", func() *http.Request { return tc3With("Echo", gwVersion, "text/plain", `{"Name":1}`, gwNow.Unix()) }, catalog.InvalidParameter, "Content-Type `text/plain`"},
		{"TC3 no content type", func() *http.Request { return tc3With("Echo", gwVersion, "", `{"Name":"x"}`, gwNow.Unix()) }, catalog.InvalidParameter, "Content-Type"},
		{"v1 JSON body", func() *http.Request {
			body, _ := json.Marshal(map[string]string{"Action": "Echo"})
			r := httptest.NewRequest(http.MethodPost, "http://"+gwHost+"/", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			return r
		}, catalog.MissingParameter, "`Action`"},
		{"v1 missing SecretId", func() *http.Request {
			p := v1Params(http.MethodPost, "Echo", nil)
			p.Del("SecretId")
			r := httptest.NewRequest(http.MethodPost, "http://"+gwHost+"/", strings.NewReader(p.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, catalog.MissingParameter, "`SecretId`"},
		{"unknown parameter", func() *http.Request { return tc3("Echo", `{"Name":"x","Color":"red"}`) }, catalog.UnknownParameter, "`Color`"},
		{"unknown nested parameter v1", func() *http.Request { return v1Post("Echo", url.Values{"Nested.Color": {"red"}}) }, catalog.UnknownParameter, "`Nested.Color`"},
		{"wrong type", func() *http.Request { return tc3("Echo", `{"Count":"3"}`) }, catalog.InvalidParameter, "`Count`"},
		{"wrong type v1", func() *http.Request { return v1Post("Echo", url.Values{"Count": {"three"}}) }, catalog.InvalidParameter, "`Count`"},
		{"truncated JSON", func() *http.Request { return tc3("Echo", `{"Name":"x"`) }, catalog.InvalidParameter, "not a valid JSON object"},
		{"malformed JSON wins over unknown", func() *http.Request { return tc3("Echo", `{"Color":1,}`) }, catalog.InvalidParameter, "not a valid JSON object"},
		{"deep JSON", func() *http.Request {
			return tc3("Echo", strings.Repeat(`{"a":`, 10000)+"1"+strings.Repeat("}", 10000))
		}, catalog.InvalidParameter, "nesting deeper"},
		{"invalid UTF-8", func() *http.Request { return tc3("Echo", "{\"Name\":\"\xff\xfe\"}") }, catalog.InvalidParameter, "not a valid JSON object"},
		{"empty body", func() *http.Request { return tc3("Echo", "") }, catalog.InvalidParameter, "empty body"},
		{"JSON array", func() *http.Request { return tc3("Echo", "[]") }, catalog.InvalidParameter, "not a JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env, _ := serve(t, g, c.req())
			if got := errCode(env); got != c.code {
				t.Fatalf("code %q (%+v), want %q", got, env.Response.Error, c.code)
			}
			if _, ok := catalog.LookupAPIError(c.code); !ok {
				t.Errorf("code %q is not in the catalog", c.code)
			}
			if !strings.Contains(env.Response.Error.Message, c.msg) {
				t.Errorf("message %q does not contain %q", env.Response.Error.Message, c.msg)
			}
		})
	}
}

func TestGatewayLanguage(t *testing.T) {
	g, _ := newGateway(t, nil)
	en, _ := serve(t, g, tc3("Nope", `{}`))
	zh, _ := serve(t, g, tc3("Nope", `{}`, func(r *http.Request) { r.Header.Set("X-TC-Language", "zh-CN") }))
	if errCode(en) != catalog.InvalidAction || errCode(zh) != catalog.InvalidAction {
		t.Fatalf("codes %q %q", errCode(en), errCode(zh))
	}
	if en.Response.Error.Message == zh.Response.Error.Message {
		t.Errorf("zh-CN message equals English %q", en.Response.Error.Message)
	}
	// Before verification the header still chooses the language.
	zhBad, _ := serve(t, g, tc3("Nope", `{}`, func(r *http.Request) {
		r.Header.Set("X-TC-Language", "zh-CN")
		r.Header.Set("Authorization", "nonsense")
	}))
	enBad, _ := serve(t, g, tc3("Nope", `{}`, func(r *http.Request) { r.Header.Set("Authorization", "nonsense") }))
	if zhBad.Response.Error.Message == enBad.Response.Error.Message {
		t.Errorf("zh-CN InvalidAuthorization message equals English")
	}
	// v1: the Language parameter.
	p := v1Params(http.MethodPost, "Nope", url.Values{"Language": {"zh-CN"}})
	r := httptest.NewRequest(http.MethodPost, "http://"+gwHost+"/", strings.NewReader(p.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	v1zh, _ := serve(t, g, r)
	if errCode(v1zh) != catalog.InvalidAction || v1zh.Response.Error.Message != zh.Response.Error.Message {
		t.Errorf("v1 Language=zh-CN: %+v", v1zh.Response.Error)
	}
	// Unknown values fall back to English, never an error.
	odd, _ := serve(t, g, tc3("Echo", `{}`, func(r *http.Request) { r.Header.Set("X-TC-Language", "xx-YY") }))
	if odd.Response.Error != nil {
		t.Errorf("unknown language: %+v", odd.Response.Error)
	}
}

func TestGatewayTraceID(t *testing.T) {
	g, obs := newGateway(t, nil)
	_, w := serve(t, g, tc3("Echo", `{}`, func(r *http.Request) { r.Header.Set("X-TC-TraceId", "trace-123") }))
	if got := w.Header().Get("X-TC-TraceId"); got != "trace-123" {
		t.Errorf("X-TC-TraceId = %q", got)
	}
	if rec := obs.last(t); rec.TraceID != "trace-123" {
		t.Errorf("record TraceID %q", rec.TraceID)
	}
	_, w = serve(t, g, tc3("Echo", `{}`))
	if _, ok := w.Header()["X-Tc-Traceid"]; ok {
		t.Errorf("X-TC-TraceId set without one in the request")
	}
}

func TestGatewayHEAD(t *testing.T) {
	// HEAD is not GET or POST: the gateway answers UnsupportedProtocol; over
	// a real connection net/http sends the headers (with Content-Length)
	// and no body.
	g, _ := newGateway(t, nil)
	hs := httptest.NewServer(g)
	defer hs.Close()
	resp, err := http.Head(hs.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Type") != "application/json" ||
		!lowerUUID.MatchString(resp.Header.Get("X-TC-RequestId")) || resp.ContentLength <= 0 {
		t.Errorf("HEAD: status %d, %d body bytes, headers %v", resp.StatusCode, len(body), resp.Header)
	}
	// The recorder sees the body the gateway wrote: UnsupportedProtocol.
	env, _ := serve(t, g, httptest.NewRequest(http.MethodHead, "http://"+gwHost+"/", nil))
	if errCode(env) != catalog.UnsupportedProtocol {
		t.Errorf("HEAD code %q", errCode(env))
	}
}

func TestGatewayFaults(t *testing.T) {
	g, obs := newGateway(t, nil)
	t.Run("http-502", func(t *testing.T) {
		w := httptest.NewRecorder()
		g.ServeHTTP(w, tc3("Fault"+string(api.FaultHTTP502), `{}`))
		if w.Code != http.StatusBadGateway || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			t.Errorf("502 fault: %d %v", w.Code, w.Header())
		}
		if rec := obs.last(t); rec.Fault != string(api.FaultHTTP502) {
			t.Errorf("record fault %q", rec.Fault)
		}
	})
	t.Run("recorder reset aborts the handler", func(t *testing.T) {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler", v)
			}
		}()
		g.ServeHTTP(httptest.NewRecorder(), tc3("Fault"+string(api.FaultConnectionReset), `{}`))
	})

	hs := httptest.NewServer(g)
	defer hs.Close()
	send := func(action string) (*http.Response, error) {
		body := `{}`
		host := strings.TrimPrefix(hs.URL, "http://")
		req, _ := http.NewRequest(http.MethodPost, hs.URL+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", signature.AuthorizationTC3(gwID, gwKey, http.MethodPost, host, "", "application/json", []byte(body), gwNow.Unix(), "faceid"))
		req.Header.Set("X-TC-Action", action)
		req.Header.Set("X-TC-Version", gwVersion)
		req.Header.Set("X-TC-Timestamp", strconv.FormatInt(gwNow.Unix(), 10))
		c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
		return c.Do(req)
	}
	t.Run("connection-reset", func(t *testing.T) {
		resp, err := send("Fault" + string(api.FaultConnectionReset))
		if err == nil {
			resp.Body.Close()
			t.Fatalf("got status %d, want a transport error", resp.StatusCode)
		}
	})
	t.Run("truncated-body", func(t *testing.T) {
		resp, err := send("Fault" + string(api.FaultTruncatedBody))
		if err != nil {
			t.Fatalf("headers should arrive: %v", err)
		}
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			var ne net.Error
			if !errors.As(err, &ne) {
				t.Errorf("reading the body: %v, want unexpected EOF", err)
			}
		}
	})
}

func TestGatewayLatencyStopsWithClient(t *testing.T) {
	g, _ := newGateway(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	r := tc3("Slow", `{}`).WithContext(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.ServeHTTP(httptest.NewRecorder(), r)
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("scripted latency did not stop when the client went away")
	}
}

func TestGatewayEncodeFailure(t *testing.T) {
	g, _ := newGateway(t, nil)
	env, _ := serve(t, g, tc3("Unencodable", `{}`))
	if errCode(env) != catalog.InternalError {
		t.Errorf("code %q, want InternalError", errCode(env))
	}
}

func TestGatewayRecordHasNoSecrets(t *testing.T) {
	g, obs := newGateway(t, nil)
	serve(t, g, tc3("Echo", `{}`, func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader(`{"Name":"y"}`)); r.ContentLength = 12 }))
	rec := obs.last(t)
	if rec.Signature != "failed" || rec.Diagnostics == nil || rec.ErrorCode != catalog.SignatureFailure {
		t.Fatalf("record %+v", rec)
	}
	data, _ := json.Marshal(rec)
	if bytes.Contains(data, []byte(gwKey)) {
		t.Errorf("record holds the secret key: %s", data)
	}
}

func TestGatewayRequestLog(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	g, _ := newGateway(t, log)
	ok, _ := serve(t, g, tc3("Echo", `{"Name":"ana"}`))
	bad, _ := serve(t, g, tc3("Nope", `{}`))
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	okLine := lineWith(out, ok.Response.RequestId)
	for _, want := range []string{"level=INFO", "msg=api", "action=Echo", "token=TOKEN-ana", "note=echoed", "latencyMs="} {
		if !strings.Contains(okLine, want) {
			t.Errorf("log line %q lacks %q", okLine, want)
		}
	}
	badLine := lineWith(out, bad.Response.RequestId)
	for _, want := range []string{"level=WARN", "error=InvalidAction", "action=Nope"} {
		if !strings.Contains(badLine, want) {
			t.Errorf("log line %q lacks %q", badLine, want)
		}
	}
	if strings.Contains(out, gwKey) {
		t.Errorf("log holds the secret key")
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func lineWith(s, sub string) string {
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, sub) {
			return line
		}
	}
	return ""
}

func TestRequestBase(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "http://a.example:1/", nil)
	if got := api.RequestBase(r); got != "http://a.example:1" {
		t.Errorf("plain: %q", got)
	}
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set("X-Forwarded-Host", "public.example")
	if got := api.RequestBase(r); got != "https://public.example" {
		t.Errorf("forwarded: %q", got)
	}
	r.Header.Set("X-Forwarded-Proto", "gopher")
	if got := api.RequestBase(r); got != "http://public.example" {
		t.Errorf("bad proto: %q", got)
	}
}

// BenchmarkGatewayEcho measures the gateway alone (signature, decoding,
// envelope, journal) with a trivial action, with and without a request log.
func BenchmarkGatewayEcho(b *testing.B) {
	for _, logged := range []bool{false, true} {
		name := "nolog"
		var log *slog.Logger
		if logged {
			// The binary's default: text at info on stderr (here /dev/null,
			// so the write system call is paid too).
			name = "textlog"
			devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer devnull.Close()
			log = slog.New(slog.NewTextHandler(devnull, nil))
		}
		b.Run(name, func(b *testing.B) {
			g, _ := newGateway(b, log)
			body := `{"Name":"ana","Count":3}`
			proto := tc3("Echo", body)
			w := &nullWriter{h: http.Header{}}
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				r := proto.Clone(context.Background())
				r.Body = io.NopCloser(strings.NewReader(body))
				clear(w.h)
				g.ServeHTTP(w, r)
			}
			reportCPU(b, cpu)
		})
	}
}

type nullWriter struct{ h http.Header }

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) WriteHeader(int)             {}
func (w *nullWriter) Write(b []byte) (int, error) { return len(b), nil }

// emulatorRequests returns pre-signed requests against a full emulator:
// TC3 Apply, TC3 Get (of a pending token), v1 Apply and v1 Get.
func emulatorRequests(tb testing.TB, srv http.Handler) map[string]func() *http.Request {
	tb.Helper()
	applyBody := `{"RedirectURL":"https://merchant.example/callback?order=1","Extra":"bench-order-0000000001"}`
	mk := func(s fuzzSeed) func() *http.Request {
		return func() *http.Request {
			r := fuzzRequest(s)
			return r.WithContext(context.Background())
		}
	}
	apply := mk(seedTC3(http.MethodPost, "ApplyWebVerificationBizTokenIntl", applyBody, ""))
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, apply())
	var env struct{ Response struct{ BizToken string } }
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Response.BizToken == "" {
		tb.Fatalf("Apply: %v %s", err, w.Body)
	}
	tok := env.Response.BizToken
	return map[string]func() *http.Request{
		"apply-tc3": apply,
		"get-tc3":   mk(seedTC3(http.MethodPost, "GetWebVerificationResultIntl", `{"BizToken":"`+tok+`"}`, "")),
		"apply-v1":  mk(seedV1(http.MethodPost, "ApplyWebVerificationBizTokenIntl", url.Values{"RedirectURL": {"https://merchant.example/callback?order=1"}, "Extra": {"bench-order-0000000001"}})),
		"get-v1":    mk(seedV1(http.MethodPost, "GetWebVerificationResultIntl", url.Values{"BizToken": {tok}})),
	}
}

// BenchmarkEmulator measures the whole handler (emulator.New) per action,
// with the binary's default request log (text, info) into io.Discard, and
// a bare handler for reference (what the bench's floor server does).
func BenchmarkEmulator(b *testing.B) {
	srv, err := emulator.New(emulator.Options{
		Credentials:    []emulator.Credential{{SecretID: gwID, SecretKey: gwKey}},
		SignatureClock: clock.Fixed(gwNow),
		// The binary's request log, formatting every line.
		Logger: slog.New(textlog.New(io.Discard, slog.LevelInfo)),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	reqs := emulatorRequests(b, srv)
	for _, name := range []string{"apply-tc3", "get-tc3", "apply-v1", "get-v1"} {
		b.Run(name, func(b *testing.B) { benchHandler(b, srv, reqs[name]) })
	}
	b.Run("floor", func(b *testing.B) {
		body := []byte(`{"Response":{"RequestId":"7b1f6c3e-2a4d-4e0b-9d51-3c1a1f0e8b2a"}}`)
		benchHandler(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			_, _ = w.Write(body)
		}), reqs["apply-tc3"])
	})
}

// benchHandler serves a fresh request from mk per iteration and reports
// the CPU time per operation next to the wall time.
func benchHandler(b *testing.B, h http.Handler, mk func() *http.Request) {
	w := &nullWriter{h: http.Header{}}
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		r := mk()
		clear(w.h)
		h.ServeHTTP(w, r)
	}
	reportCPU(b, cpu)
}

// cpuTime is the process's user+system CPU time. On a shared machine CPU
// time per operation is steadier than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, since time.Duration) {
	b.ReportMetric(float64(cpuTime()-since)/float64(b.N), "cpu-ns/op")
}

// BenchmarkEmulatorBigApply is one Apply carrying an 8 MB
// CompareImageBase64 through the whole handler.
func BenchmarkEmulatorBigApply(b *testing.B) {
	srv, err := emulator.New(emulator.Options{
		Credentials:    []emulator.Credential{{SecretID: gwID, SecretKey: gwKey}},
		SignatureClock: clock.Fixed(gwNow),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	body := `{"RedirectURL":"https://m.example/","CompareImageBase64":"` + strings.Repeat("/9j/", 2<<20) + `"}`
	s := seedTC3(http.MethodPost, "ApplyWebVerificationBizTokenIntl", body, "")
	w := &nullWriter{h: http.Header{}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r := fuzzRequest(s).WithContext(context.Background())
		clear(w.h)
		srv.ServeHTTP(w, r)
	}
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "read tcp 127.0.0.1:1->127.0.0.1:2: i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestGatewayBodyReadErrors(t *testing.T) {
	g, _ := newGateway(t, nil)
	for _, c := range []struct {
		err  error
		want string
	}{
		{io.ErrUnexpectedEOF, "the connection ended before the whole body arrived"},
		{timeoutErr{}, "did not arrive within the server's read timeout"},
	} {
		r := tc3("Echo", `{}`)
		r.Body = io.NopCloser(failingReader{c.err})
		env, _ := serve(t, g, r)
		if errCode(env) != catalog.InvalidParameter || !strings.Contains(env.Response.Error.Message, c.want) ||
			strings.Contains(env.Response.Error.Message, "127.0.0.1") {
			t.Errorf("%v: %+v", c.err, env.Response.Error)
		}
	}
}

// mapResolver resolves the actions of a map.
func mapResolver(m map[string]api.Handler) api.Resolver {
	return func(action string) (api.Handler, bool) {
		h, ok := m[action]
		return h, ok
	}
}

// TestGatewayRoutesByService: with two services on one endpoint, a call
// reaches the service that has its action and version whatever service
// the SDK signs, a Host naming a service limits the choice to it, and the
// journal record names the service.
func TestGatewayRoutesByService(t *testing.T) {
	const ocrVersion = "2018-11-19"
	g, obs := newGateway(t, nil)
	g.AddService("ocr", ocrVersion, mapResolver(map[string]api.Handler{
		"Scan": func(_ context.Context, c *api.Call) api.Reply {
			return api.Reply{Body: &echoResp{Name: "scanned", RequestId: c.RequestID}}
		},
	}))
	call := func(host, scope, action, version string) *http.Request {
		body := `{}`
		r := httptest.NewRequest(http.MethodPost, "http://"+host+"/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", signature.AuthorizationTC3(gwID, gwKey, http.MethodPost, host, "", "application/json", []byte(body), gwNow.Unix(), scope))
		r.Header.Set("X-TC-Action", action)
		r.Header.Set("X-TC-Version", version)
		r.Header.Set("X-TC-Timestamp", strconv.FormatInt(gwNow.Unix(), 10))
		return r
	}
	cases := []struct {
		name, host, scope, action, version string
		wantCode, wantService              string
	}{
		{"faceid action, scope 127", "127.0.0.1:8780", "127", "Echo", gwVersion, "", "faceid"},
		{"ocr action, scope 127", "127.0.0.1:8780", "127", "Scan", ocrVersion, "", "ocr"},
		{"ocr action, scope ocr", "127.0.0.1:8780", "ocr", "Scan", ocrVersion, "", "ocr"},
		{"ocr action, scope faceid", "127.0.0.1:8780", "faceid", "Scan", ocrVersion, "", "ocr"},
		{"ocr action at faceid's version", "127.0.0.1:8780", "ocr", "Scan", gwVersion, catalog.NoSuchVersion, "ocr"},
		{"faceid action at ocr's version", "127.0.0.1:8780", "faceid", "Echo", ocrVersion, catalog.NoSuchVersion, "faceid"},
		{"unknown action", "127.0.0.1:8780", "ocr", "Nope", ocrVersion, catalog.InvalidAction, ""},
		{"host names ocr", "ocr.localhost:8780", "ocr", "Scan", ocrVersion, "", "ocr"},
		{"host names ocr, faceid action", "ocr.localhost:8780", "ocr", "Echo", gwVersion, catalog.InvalidAction, ""},
		{"host names faceid, ocr action", "faceid.localhost:8780", "faceid", "Scan", ocrVersion, catalog.InvalidAction, ""},
		{"host names no service", "emulator.internal:8780", "emulator", "Scan", ocrVersion, "", "ocr"},
		{"bare host", "localhost:8780", "localhost:8780", "Echo", gwVersion, "", "faceid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env, _ := serve(t, g, call(tc.host, tc.scope, tc.action, tc.version))
			if got := errCode(env); got != tc.wantCode {
				t.Fatalf("error %q, want %q", got, tc.wantCode)
			}
			if rec := obs.last(t); rec.Service != tc.wantService {
				t.Errorf("record service %q, want %q", rec.Service, tc.wantService)
			}
		})
	}
}

// BenchmarkEmulatorParallelApply is TC3 Applies from GOMAXPROCS goroutines
// into the in-memory store and into the bbolt store (DataDir), whose group
// commits need concurrent writers to batch: the in-process view of the
// bench's -persist mode.
func BenchmarkEmulatorParallelApply(b *testing.B) {
	for _, store := range []string{"memory", "bbolt"} {
		b.Run(store, func(b *testing.B) {
			opts := emulator.Options{
				Credentials:    []emulator.Credential{{SecretID: gwID, SecretKey: gwKey}},
				SignatureClock: clock.Fixed(gwNow),
				Logger:         slog.New(textlog.New(io.Discard, slog.LevelInfo)),
			}
			if store == "bbolt" {
				opts.DataDir = b.TempDir()
			}
			srv, err := emulator.New(opts)
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			apply := emulatorRequests(b, srv)["apply-tc3"]
			b.ReportAllocs()
			b.SetParallelism(16)
			cpu := cpuTime()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				w := &nullWriter{h: http.Header{}}
				for pb.Next() {
					clear(w.h)
					srv.ServeHTTP(w, apply())
				}
			})
			reportCPU(b, cpu)
		})
	}
}
