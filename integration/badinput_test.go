package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// The bad-input catalogue: malformed requests against the built binary and
// the library in-process, each answered with the documented error code in
// the standard envelope (HTTP 200, Content-Type exactly application/json,
// Response.RequestId a lower-case UUID equal to X-TC-RequestId). Signed
// requests are made with the emulator's own signers (emulator.
// AuthorizationTC3 / SignV1); the SDK paths are covered by the SDK suites.
//
// The binary also gets the connection-level abuse that only a real server
// sees: a body that arrives slowly or never ends (cut by ReadTimeout, here
// EMULATOR_READ_TIMEOUT=1s) and headers that are never finished (cut by the
// fixed ReadHeaderTimeout of 10 s). HEAD is not GET or POST: the gateway
// answers UnsupportedProtocol, and net/http sends only the headers of that
// answer (status 200, Content-Type application/json, X-TC-RequestId and the
// Content-Length of the body it does not send).

var badinputUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// badinputReq is a request to send as built, duplicate headers included.
type badinputReq struct {
	method string
	query  string // raw query, without "?"
	header http.Header
	body   []byte
}

const badinputApply = "ApplyWebVerificationBizTokenIntl"

// badinputTC3 is a signed TC3 POST application/json for the target; mutate
// runs after signing.
func badinputTC3(tg *target, cred emulator.Credential, action string, body []byte, mutate ...func(*badinputReq)) *badinputReq {
	return badinputTC3At(tg, cred, action, "application/json", body, time.Now().Unix(), mutate...)
}

func badinputTC3At(tg *target, cred emulator.Credential, action, contentType string, body []byte, ts int64, mutate ...func(*badinputReq)) *badinputReq {
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set("Authorization", emulator.AuthorizationTC3(cred.SecretID, cred.SecretKey, http.MethodPost, tg.Endpoint, "", contentType, body, ts, "faceid"))
	h.Set("X-TC-Action", action)
	h.Set("X-TC-Version", "2018-03-01")
	h.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	h.Set("X-TC-Region", "ap-singapore")
	h.Set("X-TC-Language", "en-US")
	r := &badinputReq{method: http.MethodPost, header: h, body: body}
	for _, m := range mutate {
		m(r)
	}
	return r
}

// badinputV1 is a signed v1 (HmacSHA256) request: POST form or GET query.
func badinputV1(tg *target, cred emulator.Credential, method, action string, business url.Values, mutate ...func(url.Values)) *badinputReq {
	p := emulator.V1Request{
		SecretID: cred.SecretID, SecretKey: cred.SecretKey, Method: method, Host: tg.Endpoint,
		Action: action, Version: "2018-03-01", Region: "ap-singapore",
		Timestamp: time.Now().Unix(), Nonce: "11886", Params: business,
	}.Signed()
	for _, m := range mutate {
		m(p)
	}
	if method == http.MethodGet {
		return &badinputReq{method: method, query: p.Encode(), header: http.Header{}}
	}
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return &badinputReq{method: method, header: h, body: []byte(p.Encode())}
}

func badinputJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// badinputSend sends r and returns the response with its body read.
func badinputSend(t *testing.T, c *http.Client, tg *target, r *badinputReq) (*http.Response, []byte) {
	t.Helper()
	u := tg.BaseURL + "/"
	if r.query != "" {
		u += "?" + r.query
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequest(r.method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range r.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", r.method, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return resp, data
}

type badinputAnswer struct {
	Response struct {
		Error *struct {
			Code    string
			Message string
		}
		RequestId string
		BizToken  string
	}
}

// badinputCheck asserts the standard envelope and returns the decoded body.
func badinputCheck(t *testing.T, resp *http.Response, data []byte) badinputAnswer {
	t.Helper()
	var a badinputAnswer
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d, want 200: %.300s", resp.StatusCode, data)
	}
	if ct := resp.Header.Values("Content-Type"); len(ct) != 1 || ct[0] != "application/json" {
		t.Errorf("Content-Type %q, want exactly application/json", ct)
	}
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatalf("body is not JSON: %v: %.300s", err, data)
	}
	if !badinputUUID.MatchString(a.Response.RequestId) {
		t.Errorf("RequestId %q is not a lower-case UUID", a.Response.RequestId)
	}
	if h := resp.Header.Get("X-TC-RequestId"); h != a.Response.RequestId {
		t.Errorf("X-TC-RequestId %q != RequestId %q", h, a.Response.RequestId)
	}
	return a
}

type badinputCase struct {
	name string
	req  func(tg *target) *badinputReq
	code string // "" = success
	msg  string // substring of the English message, if any
}

func badinputCases() []badinputCase {
	apply := func(extra map[string]any) []byte {
		m := map[string]any{"RedirectURL": "https://merchant.example/cb"}
		for k, v := range extra {
			m[k] = v
		}
		return badinputJSON(m)
	}
	tc3 := func(body []byte, mutate ...func(*badinputReq)) func(tg *target) *badinputReq {
		return func(tg *target) *badinputReq { return badinputTC3(tg, credMain, badinputApply, body, mutate...) }
	}
	tc3Raw := func(body string, mutate ...func(*badinputReq)) func(tg *target) *badinputReq {
		return tc3([]byte(body), mutate...)
	}
	hdr := func(f func(h http.Header)) func(*badinputReq) { return func(r *badinputReq) { f(r.header) } }
	method := func(m string) func(*badinputReq) { return func(r *badinputReq) { r.method = m } }
	ts := func(v string) func(*badinputReq) { return hdr(func(h http.Header) { h.Set("X-TC-Timestamp", v) }) }
	v1 := func(method string, business url.Values, mutate ...func(url.Values)) func(tg *target) *badinputReq {
		return func(tg *target) *badinputReq {
			return badinputV1(tg, credMain, method, badinputApply, business, mutate...)
		}
	}
	redirect := url.Values{"RedirectURL": {"https://merchant.example/cb"}}
	deep := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)

	return []badinputCase{
		// A well-formed request first: the table's plumbing works.
		{"control: valid Apply", tc3(apply(nil)), "", ""},
		{"control: Extra of exactly 1000 characters", tc3(apply(map[string]any{"Extra": strings.Repeat("é", 1000)})), "", ""},
		{"control: Java's charset content type", func(tg *target) *badinputReq {
			return badinputTC3At(tg, credMain, badinputApply, "application/json; charset=utf-8", apply(nil), time.Now().Unix())
		}, "", ""},

		// Transport: method, then size.
		{"PUT", tc3(apply(nil), method(http.MethodPut)), catalog.UnsupportedProtocol, ""},
		{"DELETE", tc3(apply(nil), method(http.MethodDelete)), catalog.UnsupportedProtocol, ""},
		{"PATCH", tc3(apply(nil), method(http.MethodPatch)), catalog.UnsupportedProtocol, ""},
		{"OPTIONS", tc3(apply(nil), method(http.MethodOptions)), catalog.UnsupportedProtocol, ""},
		{"made-up method", tc3(apply(nil), method("BREW")), catalog.UnsupportedProtocol, ""},
		{"TC3 body over 10 MB", tc3Raw(`{"Extra":"` + strings.Repeat("a", 10<<20) + `"}`), catalog.RequestSizeLimitExceeded, ""},
		{"v1 POST over 1 MB", v1(http.MethodPost, url.Values{"RedirectURL": {"https://m.example/"}, "CompareImageBase64": {strings.Repeat("QUJD", 1<<18)}}), catalog.SignatureFailure, "exceeding request size limit"},
		{"GET over 32 KB", func(tg *target) *badinputReq {
			return &badinputReq{method: http.MethodGet, query: "Action=" + badinputApply + "&Extra=" + strings.Repeat("x", 33<<10), header: http.Header{}}
		}, catalog.RequestSizeLimitExceeded, ""},

		// Authorization and common parameters.
		{"two Authorization headers", tc3(apply(nil), hdr(func(h http.Header) { h.Add("Authorization", h.Get("Authorization")) })), catalog.InvalidAuthorization, ""},
		{"empty Authorization", tc3(apply(nil), hdr(func(h http.Header) { h.Set("Authorization", "") })), catalog.InvalidAuthorization, ""},
		{"garbage Authorization", tc3(apply(nil), hdr(func(h http.Header) { h.Set("Authorization", "Bearer 0123456789") })), catalog.InvalidAuthorization, ""},
		{"Authorization with a short signature", tc3(apply(nil), hdr(func(h http.Header) {
			a := h.Get("Authorization")
			h.Set("Authorization", a[:len(a)-2])
		})), catalog.InvalidAuthorization, ""},
		{"Authorization without SignedHeaders", tc3(apply(nil), hdr(func(h http.Header) {
			a := h.Get("Authorization")
			i, j := strings.Index(a, ", SignedHeaders="), strings.Index(a, ", Signature=")
			h.Set("Authorization", a[:i]+a[j:])
		})), catalog.InvalidAuthorization, ""},
		{"missing X-TC-Action", tc3(apply(nil), hdr(func(h http.Header) { h.Del("X-TC-Action") })), catalog.MissingParameter, "`Action`"},
		{"missing X-TC-Version", tc3(apply(nil), hdr(func(h http.Header) { h.Del("X-TC-Version") })), catalog.MissingParameter, "`Version`"},
		{"missing X-TC-Timestamp", tc3(apply(nil), hdr(func(h http.Header) { h.Del("X-TC-Timestamp") })), catalog.MissingParameter, "`Timestamp`"},
		{"non-numeric timestamp", tc3(apply(nil), ts("yesterday")), catalog.InvalidParameter, "`Timestamp`"},
		{"negative timestamp", func(tg *target) *badinputReq {
			return badinputTC3At(tg, credMain, badinputApply, "application/json", apply(nil), -1)
		}, catalog.SignatureExpire, ""},
		{"huge timestamp", tc3(apply(nil), ts("99999999999999999999999999")), catalog.SignatureExpire, ""},
		{"timestamp six minutes old", func(tg *target) *badinputReq {
			return badinputTC3At(tg, credMain, badinputApply, "application/json", apply(nil), time.Now().Add(-6*time.Minute).Unix())
		}, catalog.SignatureExpire, ""},
		{"unknown SecretId", func(tg *target) *badinputReq {
			return badinputTC3(tg, emulator.Credential{SecretID: "AKIDUNKNOWN000000000000000000000000", SecretKey: "x"}, badinputApply, apply(nil))
		}, catalog.SecretIDNotFound, ""},
		{"wrong secret key", func(tg *target) *badinputReq {
			return badinputTC3(tg, emulator.Credential{SecretID: credMain.SecretID, SecretKey: "not-the-key"}, badinputApply, apply(nil))
		}, catalog.SignatureFailure, ""},
		{"body changed after signing", tc3(apply(nil), func(r *badinputReq) { r.body = apply(map[string]any{"Extra": "x"}) }), catalog.SignatureFailure, ""},
		{"temporary key without its token", func(tg *target) *badinputReq {
			return badinputTC3(tg, credTemp, badinputApply, apply(nil))
		}, catalog.TokenFailure, ""},
		{"unknown action", func(tg *target) *badinputReq { return badinputTC3(tg, credMain, "DescribeFaceIdResults", apply(nil)) }, catalog.InvalidAction, ""},
		// X-TC-Version is not signed (SignedHeaders is content-type;host).
		{"unknown version", tc3(apply(nil), hdr(func(h http.Header) { h.Set("X-TC-Version", "2017-01-01") })), catalog.NoSuchVersion, ""},
		{"wrong region", tc3(apply(nil), hdr(func(h http.Header) { h.Set("X-TC-Region", "mars-north-1") })), catalog.UnsupportedRegion, ""},

		// Content types.
		{"TC3 with text/plain", func(tg *target) *badinputReq {
			return badinputTC3At(tg, credMain, badinputApply, "text/plain", apply(nil), time.Now().Unix())
		}, catalog.InvalidParameter, "Content-Type `text/plain`"},
		{"TC3 with multipart/form-data", func(tg *target) *badinputReq {
			return badinputTC3At(tg, credMain, badinputApply, "multipart/form-data; boundary=x", []byte("--x--\r\n"), time.Now().Unix())
		}, catalog.InvalidParameter, "Content-Type"},
		{"v1 with a JSON body", func(tg *target) *badinputReq {
			r := badinputV1(tg, credMain, http.MethodPost, badinputApply, redirect)
			p, _ := url.ParseQuery(string(r.body))
			flat := map[string]string{}
			for k := range p {
				flat[k] = p.Get(k)
			}
			r.body = badinputJSON(flat)
			r.header.Set("Content-Type", "application/json")
			return r
		}, catalog.MissingParameter, "`Action`"},
		{"v1 without Signature", v1(http.MethodPost, redirect, func(p url.Values) { p.Del("Signature") }), catalog.MissingParameter, "`Signature`"},
		{"v1 non-numeric Nonce", v1(http.MethodPost, redirect, func(p url.Values) { p.Set("Nonce", "abc") }), catalog.InvalidParameter, "`Nonce`"},
		{"v1 GET with a wrong signature", v1(http.MethodGet, redirect, func(p url.Values) { p.Set("Signature", "AAAA") }), catalog.SignatureFailure, ""},

		// Bodies.
		{"empty body", tc3Raw(""), catalog.InvalidParameter, "empty body"},
		{"truncated JSON", tc3Raw(`{"RedirectURL":"https://merchant.example/cb","Extra":"abc`), catalog.InvalidParameter, "not a valid JSON object"},
		{"JSON nested 10000 deep", tc3Raw(deep), catalog.InvalidParameter, "nesting deeper"},
		{"JSON array", tc3Raw(`[{"RedirectURL":"https://merchant.example/cb"}]`), catalog.InvalidParameter, "not a JSON object"},
		{"trailing data after the object", tc3Raw(`{"RedirectURL":"https://merchant.example/cb"} {}`), catalog.InvalidParameter, "trailing data"},
		{"duplicate key", tc3Raw(`{"RedirectURL":"https://a.example/","RedirectURL":"https://b.example/"}`), catalog.InvalidParameter, "not a valid JSON object"},
		{"invalid UTF-8 in a string", tc3Raw("{\"RedirectURL\":\"https://merchant.example/cb\",\"Extra\":\"\xff\xfe\"}"), catalog.InvalidParameter, "not a valid JSON object"},
		{"unpaired surrogate escape", tc3Raw(`{"RedirectURL":"https://merchant.example/cb","Extra":"\ud800"}`), catalog.InvalidParameter, "not a valid JSON object"},
		{"wrong type: RedirectURL number", tc3Raw(`{"RedirectURL":42}`), catalog.InvalidParameter, "`RedirectURL`"},
		{"wrong type: Config a string", tc3(apply(map[string]any{"Config": "CheckMode=1"})), catalog.InvalidParameter, "`Config`"},
		{"wrong type: CheckMode a string", tc3(apply(map[string]any{"Config": map[string]any{"CheckMode": "1"}})), catalog.InvalidParameter, "`Config.CheckMode`"},
		{"wrong type: CheckMode a fraction", tc3Raw(`{"RedirectURL":"https://merchant.example/cb","Config":{"CheckMode":1.5}}`), catalog.InvalidParameter, "`Config.CheckMode`"},
		{"wrong type: AutoSkip a string", tc3(apply(map[string]any{"Config": map[string]any{"AutoSkip": "true"}})), catalog.InvalidParameter, "`Config.AutoSkip`"},
		{"unknown parameter", tc3(apply(map[string]any{"Colour": "red"})), catalog.UnknownParameter, "`Colour`"},
		{"unknown nested parameter", tc3(apply(map[string]any{"Config": map[string]any{"Colour": "red"}})), catalog.UnknownParameter, "`Config.Colour`"},
		{"v1 unknown parameter", v1(http.MethodPost, url.Values{"RedirectURL": {"https://m.example/"}, "Colour": {"red"}}), catalog.UnknownParameter, "`Colour`"},
		{"v1 wrong type", v1(http.MethodPost, url.Values{"RedirectURL": {"https://m.example/"}, "Config.CheckMode": {"one"}}), catalog.InvalidParameter, "`Config.CheckMode`"},

		// Business rules.
		{"missing RedirectURL", tc3Raw(`{}`), catalog.MissingParameter, "`RedirectURL`"},
		{"relative RedirectURL", tc3(badinputJSON(map[string]any{"RedirectURL": "/callback"})), catalog.InvalidParameterValue, "`RedirectURL`"},
		{"Extra of 1001 characters", tc3(apply(map[string]any{"Extra": strings.Repeat("x", 1001)})), catalog.InvalidParameterValue, "`Extra`"},
		{"invalid base64 image", tc3(apply(map[string]any{"CompareImageBase64": "abc!"})), catalog.InvalidParameterValue, "`CompareImageBase64`"},
		{"base64 image with a data URI", tc3(apply(map[string]any{"CompareImageBase64": "data:image/jpeg;base64,/9j/"})), catalog.InvalidParameterValue, "`CompareImageBase64`"},
		{"image over 8 MB", tc3(apply(map[string]any{"CompareImageBase64": strings.Repeat("/9j/", 2<<20+1)})), catalog.InvalidParameterValue, "`CompareImageBase64`"},
		{"CheckMode out of range", tc3(apply(map[string]any{"Config": map[string]any{"CheckMode": 9}})), catalog.InvalidParameterValue, "`Config.CheckMode`"},
		{"Get without BizToken", func(tg *target) *badinputReq {
			return badinputTC3(tg, credMain, "GetWebVerificationResultIntl", []byte(`{}`))
		}, catalog.MissingParameter, "`BizToken`"},
		{"Get of an unknown BizToken", func(tg *target) *badinputReq {
			return badinputTC3(tg, credMain, "GetWebVerificationResultIntl", []byte(`{"BizToken":"3F2504E0-4F89-11D3-9A0C-0305E82C3301"}`))
		}, catalog.BizTokenIllegal, ""},
	}
}

func badinputClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
}

func runBadInput(t *testing.T, tg *target) {
	c := badinputClient()
	cases := badinputCases()
	if n := len(cases); n < 40 {
		t.Fatalf("only %d cases", n)
	}
	for _, bc := range cases {
		t.Run(bc.name, func(t *testing.T) {
			resp, data := badinputSend(t, c, tg, bc.req(tg))
			a := badinputCheck(t, resp, data)
			got := ""
			if a.Response.Error != nil {
				got = a.Response.Error.Code
			}
			if got != bc.code {
				t.Fatalf("code %q, want %q: %.300s", got, bc.code, data)
			}
			if bc.code == "" {
				if a.Response.BizToken == "" {
					t.Errorf("success without BizToken: %.300s", data)
				}
				return
			}
			if _, ok := catalog.LookupAPIError(bc.code); !ok {
				t.Errorf("code %q is not in the catalogue", bc.code)
			}
			if !strings.Contains(a.Response.Error.Message, bc.msg) {
				t.Errorf("message %q does not contain %q", a.Response.Error.Message, bc.msg)
			}
		})
	}
	t.Run("HEAD", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodHead, tg.BaseURL+"/", nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(data) != 0 || resp.Header.Get("Content-Type") != "application/json" ||
			!badinputUUID.MatchString(resp.Header.Get("X-TC-RequestId")) || resp.ContentLength <= 0 {
			t.Errorf("HEAD: HTTP %d, %d body bytes, Content-Length %d, headers %v", resp.StatusCode, len(data), resp.ContentLength, resp.Header)
		}
	})
}

// badinputHealthy checks health and a whole SDK Apply -> Get.
func badinputHealthy(t *testing.T, tg *target) {
	t.Helper()
	resp, err := http.Get(tg.BaseURL + "/_emulator/health")
	if err != nil {
		t.Fatalf("health: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("health: HTTP %d", resp.StatusCode)
	}
	c := goClient(tg, credMain)
	token, _ := apply(t, c, map[string]any{"Extra": "after-the-abuse"})
	got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
	if err != nil || got["Extra"] != "after-the-abuse" {
		t.Fatalf("Get after the bad inputs: %v %v", got, err)
	}
}

func TestBadInputInProcess(t *testing.T) {
	tg := inProcess(t, emulator.Options{})
	runBadInput(t, tg)
	badinputHealthy(t, tg)
}

func TestBadInputBinary(t *testing.T) {
	p := startBinary(t, "EMULATOR_READ_TIMEOUT=1s")
	tg := p.target

	// Headers never finished: started first, since it takes the 10 s of
	// ReadHeaderTimeout to be cut off; the table runs meanwhile.
	headers := badinputStall(t, tg, "POST / HTTP/1.1\r\nHost: "+tg.Endpoint+"\r\nX-TC-Action: "+badinputApply+"\r\n", nil)

	runBadInput(t, tg)

	t.Run("slow body", func(t *testing.T) {
		// Content-Length promises 1000 bytes; 10 arrive, one every 300 ms,
		// and then nothing: ReadTimeout (1 s) ends the request.
		req := "POST / HTTP/1.1\r\nHost: " + tg.Endpoint + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
		res := <-badinputStall(t, tg, req, func(c net.Conn) {
			for i := 0; i < 10; i++ {
				if _, err := c.Write([]byte("{")); err != nil {
					return
				}
				time.Sleep(300 * time.Millisecond)
			}
		})
		badinputCheckCut(t, res, 6*time.Second)
	})
	t.Run("endless chunked body", func(t *testing.T) {
		req := "POST / HTTP/1.1\r\nHost: " + tg.Endpoint + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
		res := <-badinputStall(t, tg, req, func(c net.Conn) {
			for i := 0; i < 100; i++ {
				if _, err := c.Write([]byte("1\r\n{\r\n")); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
		badinputCheckCut(t, res, 6*time.Second)
	})
	t.Run("headers never finished", func(t *testing.T) {
		res := <-headers
		badinputCheckCut(t, res, 16*time.Second)
		if res.answer != "" {
			t.Logf("answer to unfinished headers: %q", firstLine(res.answer, "HTTP/"))
		}
	})

	badinputHealthy(t, tg)
}

// badinputStallResult is how a stalled connection ended.
type badinputStallResult struct {
	after  time.Duration // from connecting to EOF (or error)
	answer string        // what the server sent before closing
	err    error         // a read error other than EOF / reset
	closed bool          // the server closed the connection
}

// badinputStall opens a raw connection, writes head, runs trickle (which
// may write more), and reads until the server closes the connection (at
// most 20 s). The result arrives on the channel.
func badinputStall(t *testing.T, tg *target, head string, trickle func(net.Conn)) <-chan badinputStallResult {
	t.Helper()
	c, err := net.Dial("tcp", tg.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	start := time.Now()
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	if trickle != nil {
		go trickle(c)
	}
	out := make(chan badinputStallResult, 1)
	go func() {
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
		var buf bytes.Buffer
		_, err := io.Copy(&buf, c)
		r := badinputStallResult{after: time.Since(start), answer: buf.String()}
		var ne net.Error
		switch {
		case err == nil:
			r.closed = true
		case errors.As(err, &ne) && ne.Timeout():
			r.err = fmt.Errorf("still open after %v", r.after)
		case strings.Contains(err.Error(), "reset"):
			r.closed = true
		default:
			r.err = err
		}
		out <- r
	}()
	return out
}

// badinputCheckCut asserts the server closed the connection within limit,
// and that whatever it answered before is a well-formed HTTP response.
func badinputCheckCut(t *testing.T, r badinputStallResult, limit time.Duration) {
	t.Helper()
	if r.err != nil || !r.closed {
		t.Fatalf("connection not closed by the server: %v (after %v, got %q)", r.err, r.after, r.answer)
	}
	if r.after > limit {
		t.Errorf("closed after %v, want within %v", r.after, limit)
	}
	t.Logf("closed by the server after %v", r.after.Round(time.Millisecond))
	if r.answer == "" {
		return
	}
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(r.answer)), nil)
	if err != nil {
		t.Fatalf("the server answered something that is not HTTP: %q", r.answer)
	}
	body, _ := io.ReadAll(resp.Body)
	t.Logf("answered before closing: HTTP %d %s", resp.StatusCode, body)
	if resp.StatusCode == 200 {
		badinputCheck(t, resp, body)
	}
}
