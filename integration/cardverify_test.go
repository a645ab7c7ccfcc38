package integration

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator"
	"github.com/faceid-emulator/faceid-emulator/emulator/emulatortest"
)

// receiver is a merchant's webhook endpoint on 127.0.0.1: it records the
// bodies it gets and answers by answer(n) for the n-th request (1-based).
type receiver struct {
	*httptest.Server
	count  atomic.Int32
	mu     sync.Mutex
	bodies [][]byte
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(rc.count.Add(1))
		body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, body)
		rc.mu.Unlock()
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("callback %s with Content-Type %q, want POST application/json", r.Method, r.Header.Get("Content-Type"))
		}
		answer(n, w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) body(i int) map[string]any {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var m map[string]any
	if i < len(rc.bodies) {
		_ = json.Unmarshal(rc.bodies[i], &m)
	}
	return m
}

func ok200(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }

type deliveryJSON struct {
	ID             string     `json:"id"`
	URL            string     `json:"url"`
	Token          string     `json:"token"`
	Attempt        int        `json:"attempt"`
	Status         string     `json:"status"`
	SentAt         *time.Time `json:"sentAt"`
	ResponseStatus int        `json:"responseStatus"`
	Error          string     `json:"error"`
	ResendOf       string     `json:"resendOf"`
}

// deliveries lists the webhook deliveries of a token.
func deliveries(t *testing.T, tg *target, token string) []deliveryJSON {
	t.Helper()
	var out struct {
		Webhooks []deliveryJSON
		Total    int
		Order    string
	}
	if code := controlJSON(t, "GET", tg.BaseURL+"/_emulator/webhooks?token="+token, nil, &out); code != 200 {
		t.Fatalf("GET /_emulator/webhooks: %d", code)
	}
	if out.Order != "oldest-first" {
		t.Errorf("webhooks Order = %q", out.Order)
	}
	return out.Webhooks
}

// waitDelivery waits until the token's delivery number i has a final
// status and returns it.
func waitDelivery(t *testing.T, tg *target, token string, i int, within time.Duration) deliveryJSON {
	t.Helper()
	var d deliveryJSON
	waitFor(t, within, "a final webhook status", func() bool {
		list := deliveries(t, tg, token)
		if len(list) <= i {
			return false
		}
		d = list[i]
		return d.Status == "delivered" || d.Status == "failed" || d.Status == "refused"
	})
	return d
}

func cardScenarios(t *testing.T, manual, polls []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "cards.yaml")
	yaml := `scenarios:
  - name: card-manual
    for: cardverify
    match: {imageSha256: ` + sha256Hex(manual) + `}
    completion: {mode: manual}
  - name: card-photocopy-after-polls
    for: cardverify
    match: {imageSha256: ` + sha256Hex(polls) + `}
    completion: {mode: polls, polls: 2}
    result: {code: ABNORMAL}
    api:
      GetCardVerificationExternalResult:
        response: {WarnInfo: [PaperCopy, PoorImageQuality]}
`
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func applyCard(t *testing.T, tg *target, params map[string]any) string {
	t.Helper()
	resp, err := callService(goClient(tg, credMain), "ocr", ocrVersion, "ApplyCardVerificationExternal", params)
	if err != nil {
		t.Fatalf("ApplyCardVerificationExternal: %v", err)
	}
	token, _ := resp["CardVerificationToken"].(string)
	if token == "" {
		t.Fatalf("no CardVerificationToken in %v", resp)
	}
	return token
}

func cardResult(t *testing.T, tg *target, token string) map[string]any {
	t.Helper()
	resp, err := callService(goClient(tg, credMain), "ocr", ocrVersion, "GetCardVerificationExternalResult",
		map[string]any{"CardVerificationToken": token})
	if err != nil {
		t.Fatalf("GetCardVerificationExternalResult: %v", err)
	}
	return resp
}

func TestCardVerificationFlow(t *testing.T) {
	manual, polls, plain := testImage(t, "jpeg", 70), testImage(t, "png", 80), testImage(t, "png", 90)
	tg := inProcess(t, emulator.Options{ScenarioPaths: []string{cardScenarios(t, manual, polls)},
		WebhookBackoff: []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond}})
	b64 := base64.StdEncoding.EncodeToString

	t.Run("control API completion, webhook delivery and resend", func(t *testing.T) {
		rc := newReceiver(t, ok200)
		token := applyCard(t, tg, map[string]any{"Nationality": "ARG", "CardType": "ID_CARD",
			"ImageBase64Front": b64(manual), "ImageBase64Back": b64(plain), "ReturnHeadImage": true, "WebhookUrl": rc.URL + "/hook"})
		for range 2 {
			r := cardResult(t, tg, token)
			if r["Status"] != "PROCESSING" || r["CardInfo"] != nil || r["CardVerificationToken"] != token {
				t.Fatalf("manual session before completion answered %v", r)
			}
		}
		if rc.count.Load() != 0 {
			t.Fatal("a callback was sent before completion")
		}
		var sess map[string]any
		if code := controlJSON(t, "GET", tg.BaseURL+"/_emulator/sessions/"+token, nil, &sess); code != 200 ||
			sess["Flow"] != "cardverify" || sess["State"] != "pending" || sess["Scenario"] != "card-manual" {
			t.Fatalf("session %d %v", code, sess)
		}
		if code := controlJSON(t, "POST", tg.BaseURL+"/_emulator/sessions/"+token+"/complete", map[string]any{"Status": "DONE"}, nil); code != 400 {
			t.Errorf("complete with an unknown Status: %d, want 400", code)
		}
		if code := controlJSON(t, "POST", tg.BaseURL+"/_emulator/sessions/"+token+"/complete", map[string]any{"Status": "COMPLETED"}, &sess); code != 200 ||
			sess["Status"] != "COMPLETED" || sess["State"] != "completed" {
			t.Fatalf("complete: %d %v", code, sess)
		}
		if code := controlJSON(t, "POST", tg.BaseURL+"/_emulator/sessions/"+token+"/complete", map[string]any{}, nil); code != 409 {
			t.Errorf("second complete: %d, want 409", code)
		}
		d := waitDelivery(t, tg, token, 0, 10*time.Second)
		if d.Status != "delivered" || d.Attempt != 1 || d.ResponseStatus != 200 || d.URL != rc.URL+"/hook" || d.SentAt == nil || d.Error != "" {
			t.Fatalf("delivery %+v", d)
		}
		body := rc.body(0)
		card, _ := body["CardInfo"].(map[string]any)
		back, _ := body["BackCardInfo"].(map[string]any)
		if body["CardVerificationToken"] != token || body["Status"] != "COMPLETED" || card["FullName"] != "SAMPLE ANA MARIA" ||
			card["PersonalNumber"] == "" || card["IssuedCountry"] != "ARG" || back == nil {
			t.Fatalf("callback body %v", body)
		}
		r := cardResult(t, tg, token)
		card, _ = r["CardInfo"].(map[string]any)
		if r["Status"] != "COMPLETED" || card["FullName"] != "SAMPLE ANA MARIA" || r["BackCardInfo"] == nil {
			t.Fatalf("result %v", r)
		}
		head, err := base64.StdEncoding.DecodeString(r["HeadImageBase64"].(string))
		if err != nil {
			t.Fatalf("HeadImageBase64: %v", err)
		}
		if _, err := jpeg.Decode(bytes.NewReader(head)); err != nil {
			t.Fatalf("HeadImageBase64 is not a JPEG: %v", err)
		}
		// Resend: a new delivery of the same body.
		var again deliveryJSON
		if code := controlJSON(t, "POST", tg.BaseURL+"/_emulator/webhooks/"+d.ID+"/resend", map[string]any{}, &again); code != 200 || again.ResendOf != d.ID {
			t.Fatalf("resend: %d %+v", code, again)
		}
		if d2 := waitDelivery(t, tg, token, 1, 10*time.Second); d2.Status != "delivered" || rc.count.Load() != 2 {
			t.Fatalf("resent delivery %+v, receiver got %d", d2, rc.count.Load())
		}
		if !bytes.Equal(mustMarshal(rc.body(0)), mustMarshal(rc.body(1))) {
			t.Error("the resent body differs from the first")
		}
		if code := controlJSON(t, "POST", tg.BaseURL+"/_emulator/webhooks/NOSUCH/resend", map[string]any{}, nil); code != 404 {
			t.Errorf("resend of an unknown delivery: %d", code)
		}
		// Every attempt is in the journal.
		var journal struct{ Requests []map[string]any }
		controlJSON(t, "GET", tg.BaseURL+"/_emulator/requests?action=Webhook&token="+token, nil, &journal)
		if len(journal.Requests) < 2 {
			t.Errorf("journal has %d webhook records, want 2+", len(journal.Requests))
		}
	})

	t.Run("auto: done at the first result call, passport has no back side", func(t *testing.T) {
		rc := newReceiver(t, ok200)
		token := applyCard(t, tg, map[string]any{"Nationality": "ARG", "CardType": "PASSPORT", "ImageBase64Front": b64(plain), "WebhookUrl": rc.URL})
		r := cardResult(t, tg, token)
		card, _ := r["CardInfo"].(map[string]any)
		if r["Status"] != "COMPLETED" || card["MRZLine1"] == "" || r["BackCardInfo"] != nil || r["HeadImageBase64"] != "" {
			t.Fatalf("auto result %v", r)
		}
		if d := waitDelivery(t, tg, token, 0, 10*time.Second); d.Status != "delivered" {
			t.Fatalf("delivery %+v", d)
		}
	})

	t.Run("polls and warnings chosen by image hash", func(t *testing.T) {
		token := applyCard(t, tg, map[string]any{"Nationality": "Philippines", "CardType": "DRIVING_LICENSE", "ImageBase64Front": b64(polls)})
		for i := range 2 {
			if r := cardResult(t, tg, token); r["Status"] != "PROCESSING" {
				t.Fatalf("poll %d: %v", i+1, r)
			}
		}
		r := cardResult(t, tg, token)
		warn, _ := r["WarnInfo"].([]any)
		if r["Status"] != "ABNORMAL" || len(warn) != 2 || warn[0] != "PaperCopy" || r["CardInfo"] != nil {
			t.Fatalf("after the polls: %v", r)
		}
	})

	t.Run("another SecretId's token and expiry", func(t *testing.T) {
		token := applyCard(t, tg, map[string]any{"Nationality": "ARG", "CardType": "PASSPORT", "ImageBase64Front": b64(manual)})
		_, err := callService(goClient(tg, credOther), "ocr", ocrVersion, "GetCardVerificationExternalResult", map[string]any{"CardVerificationToken": token})
		if code := sdkCode(err); code != "InvalidParameterValue.InvalidParameterValueLimit" {
			t.Fatalf("foreign token: %v", err)
		}
		tg.Server.Clock().Advance(25 * time.Hour)
		defer tg.Server.Clock().Reset()
		_, err = callService(goClient(tg, credMain), "ocr", ocrVersion, "GetCardVerificationExternalResult", map[string]any{"CardVerificationToken": token})
		if code := sdkCode(err); code != "InvalidParameterValue.InvalidParameterValueLimit" {
			t.Fatalf("expired token: %v", err)
		}
		var sess map[string]any
		if controlJSON(t, "GET", tg.BaseURL+"/_emulator/sessions/"+token, nil, &sess); sess["State"] != "expired" {
			t.Fatalf("expired session %v", sess)
		}
	})
}

func mustMarshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func TestCardVerificationWebhookFailures(t *testing.T) {
	img := base64.StdEncoding.EncodeToString(testImage(t, "png", 100))
	complete := func(t *testing.T, tg *target, hook string) string {
		t.Helper()
		token := applyCard(t, tg, map[string]any{"Nationality": "ARG", "CardType": "PASSPORT", "ImageBase64Front": img, "WebhookUrl": hook})
		cardResult(t, tg, token) // auto: done at the first result call
		return token
	}

	t.Run("fails twice then succeeds", func(t *testing.T) {
		tg := inProcess(t, emulator.Options{WebhookBackoff: []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond}})
		rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
			if n <= 2 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		})
		token := complete(t, tg, rc.URL)
		d := waitDelivery(t, tg, token, 0, 10*time.Second)
		if d.Status != "delivered" || d.Attempt != 3 || d.ResponseStatus != 204 || rc.count.Load() != 3 {
			t.Fatalf("delivery %+v after %d requests", d, rc.count.Load())
		}
		var journal struct{ Requests []map[string]any }
		controlJSON(t, "GET", tg.BaseURL+"/_emulator/requests?action=Webhook&token="+token, nil, &journal)
		failed := 0
		for _, r := range journal.Requests {
			if r["errorCode"] == "Webhook.retrying" {
				failed++
			}
		}
		if failed != 2 {
			t.Errorf("journal shows %d failed attempts, want 2: %v", failed, journal.Requests)
		}
	})

	t.Run("never answers: bounded", func(t *testing.T) {
		tg := inProcess(t, emulator.Options{WebhookTimeout: 200 * time.Millisecond, WebhookBackoff: []time.Duration{20 * time.Millisecond}})
		release := make(chan struct{})
		rc := newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
		defer close(release)
		start := time.Now()
		token := complete(t, tg, rc.URL)
		d := waitDelivery(t, tg, token, 0, 20*time.Second)
		if d.Status != "failed" || d.Attempt != 2 || d.Error == "" || d.ResponseStatus != 0 {
			t.Fatalf("delivery %+v", d)
		}
		// Two attempts of 200 ms and a 20 ms wait: far below the wait's
		// deadline even on a loaded machine.
		if el := time.Since(start); el > 15*time.Second {
			t.Errorf("giving up took %s", el)
		}
	})

	t.Run("forbidden URL: nothing leaves", func(t *testing.T) {
		tg := inProcess(t, emulator.Options{WebhookAllow: []string{"10.0.0.0/8", "hooks.example.com"}})
		rc := newReceiver(t, ok200)
		token := complete(t, tg, rc.URL) // 127.0.0.1: outside the setting
		if d := waitDelivery(t, tg, token, 0, 10*time.Second); d.Status != "refused" || d.Attempt != 0 || !strings.Contains(d.Error, "not allowed") {
			t.Fatalf("delivery %+v", d)
		}
		// A name that resolves into a range the setting rules out is
		// refused when dialled.
		named := strings.Replace(rc.URL, "127.0.0.1", "localhost", 1)
		token = complete(t, tg, named)
		if d := waitDelivery(t, tg, token, 0, 10*time.Second); d.Status != "failed" || !strings.Contains(d.Error, "not allowed") {
			t.Fatalf("delivery by name %+v", d)
		}
		if n := rc.count.Load(); n != 0 {
			t.Fatalf("the receiver got %d requests, want 0", n)
		}
	})
}

func TestCardVerificationRestart(t *testing.T) {
	dir := t.TempDir()
	p := startBinary(t, "EMULATOR_DATA_DIR="+dir)
	img := base64.StdEncoding.EncodeToString(testImage(t, "png", 110))
	token := applyCard(t, p.target, map[string]any{"Nationality": "Thailand", "CardType": "ID_CARD", "ImageBase64Front": img})
	if err := p.Stop(t); err != nil {
		t.Fatal(err)
	}
	q := startBinary(t, "EMULATOR_DATA_DIR="+dir)
	var sess map[string]any
	if code := controlJSON(t, "GET", q.BaseURL+"/_emulator/sessions/"+token, nil, &sess); code != 200 || sess["Flow"] != "cardverify" || sess["Nationality"] != "Thailand" {
		t.Fatalf("after restart: %d %v", code, sess)
	}
	r := cardResult(t, q.target, token)
	// Thailand's national ID card has no back side to read (the documented table).
	if r["Status"] != "COMPLETED" || r["BackCardInfo"] != nil {
		t.Fatalf("result after restart %v", r)
	}
}

// TestLibraryCardVerifyScenarios plays the shipped library's
// card-verification scenarios: by sample picture and by name.
func TestLibraryCardVerifyScenarios(t *testing.T) {
	tg := inProcess(t, emulator.Options{})
	c := goClient(tg, credMain)
	picture := func(name string) string {
		b, ok := catalog.OCRImage(name)
		if !ok {
			t.Fatalf("no sample picture %s", name)
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	token := applyCard(t, tg, map[string]any{"Nationality": "ARG", "CardType": "PASSPORT", "ImageBase64Front": picture("pass")})
	if r := cardResult(t, tg, token); r["Status"] != "COMPLETED" {
		t.Errorf("pass.png: %v", r)
	}
	a, _ := catalog.LookupOCR("GetCardVerificationExternalResult")
	for _, code := range a.Errors.Codes {
		token := applyCard(t, tg, map[string]any{"Nationality": "ARG", "CardType": "PASSPORT", "ImageBase64Front": picture(catalog.OCRImageName("error", code))})
		_, err := callService(c, "ocr", ocrVersion, "GetCardVerificationExternalResult", map[string]any{"CardVerificationToken": token})
		if got := sdkCode(err); got != code {
			t.Errorf("%s picture: result answered %v, want %s", code, err, code)
		}
	}
	for _, w := range a.Warnings.Codes {
		token := applyCard(t, tg, map[string]any{"Nationality": "ARG", "CardType": "PASSPORT", "ImageBase64Front": picture("pass")})
		name := "cardverify-warn-" + kebab(w.Code)
		if code := controlJSON(t, "PUT", tg.BaseURL+"/_emulator/sessions/"+token+"/scenario", map[string]any{"Scenario": name}, nil); code != 200 {
			t.Fatalf("PUT scenario %s: %d", name, code)
		}
		r := cardResult(t, tg, token)
		if warn, _ := r["WarnInfo"].([]any); r["Status"] != "COMPLETED" || len(warn) != 1 || warn[0] != w.Code {
			t.Errorf("%s: %v", name, r)
		}
	}
	token = applyCard(t, tg, map[string]any{"Nationality": "ARG", "CardType": "PASSPORT", "ImageBase64Front": picture("pass")})
	controlJSON(t, "PUT", tg.BaseURL+"/_emulator/sessions/"+token+"/scenario", map[string]any{"Scenario": "cardverify-status-abnormal"}, nil)
	if r := cardResult(t, tg, token); r["Status"] != "ABNORMAL" || r["CardInfo"] != nil {
		t.Errorf("abnormal: %v", r)
	}
}

// kebab writes a CamelCase value as the library's names do
// (PaperCopy → paper-copy).
func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestEmulatortestCardVerification: the typed controls of package
// emulatortest for the card-verification flow and its callbacks.
func TestEmulatortestCardVerification(t *testing.T) {
	e := emulatortest.New(t)
	rc := newReceiver(t, ok200)
	c := common.NewCommonClient(e.SDKCredential(), "ap-singapore", e.ClientProfile())
	img := base64.StdEncoding.EncodeToString(testImage(t, "png", 120))
	resp, err := callService(c, "ocr", ocrVersion, "ApplyCardVerificationExternal", map[string]any{
		"Nationality": "SGP", "CardType": "RESIDENCE_PERMIT", "ImageBase64Front": img, "WebhookUrl": rc.URL})
	if err != nil {
		t.Fatal(err)
	}
	token := resp["CardVerificationToken"].(string)
	if s := e.CardSession(token); s.Flow != "cardverify" || s.Status != "PROCESSING" || s.CardType != "RESIDENCE_PERMIT" {
		t.Fatalf("CardSession %+v", s)
	}
	if s := e.CompleteCard(token, "ABNORMAL", "PaperCopy"); s.Status != "ABNORMAL" || len(s.WarnInfo) != 1 {
		t.Fatalf("CompleteCard %+v", s)
	}
	r, err := callService(c, "ocr", ocrVersion, "GetCardVerificationExternalResult", map[string]any{"CardVerificationToken": token})
	if warn, _ := r["WarnInfo"].([]any); err != nil || r["Status"] != "ABNORMAL" || len(warn) != 1 || warn[0] != "PaperCopy" {
		t.Fatalf("result %v %v", r, err)
	}
	waitFor(t, 10*time.Second, "the callback", func() bool {
		l := e.Webhooks(token)
		return len(l) == 1 && l[0].Status == "delivered"
	})
	if b := rc.body(0); b["Status"] != "ABNORMAL" || b["CardInfo"] != nil {
		t.Errorf("callback body %v", b)
	}
}

// TestWebhookRoutesProtected: the webhook routes need the admin token and
// refuse other browser origins, as the other control routes do.
func TestWebhookRoutesProtected(t *testing.T) {
	tg := inProcess(t, emulator.Options{AdminToken: "s3cret"})
	for _, tc := range []struct {
		method, path, token, origin string
		want                        int
	}{
		{"GET", "/_emulator/webhooks", "", "", 401},
		{"GET", "/_emulator/webhooks", "s3cret", "", 200},
		{"GET", "/_emulator/webhooks?limit=0", "s3cret", "", 400},
		{"POST", "/_emulator/webhooks/X/resend", "", "", 401},
		{"POST", "/_emulator/webhooks/X/resend", "s3cret", "https://evil.example", 403},
		{"POST", "/_emulator/webhooks/X/resend", "s3cret", "", 404},
	} {
		req, _ := http.NewRequest(tc.method, tg.BaseURL+tc.path, nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s (token %q, origin %q): %d, want %d", tc.method, tc.path, tc.token, tc.origin, resp.StatusCode, tc.want)
		}
	}
}
