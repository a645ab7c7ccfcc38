package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

const ocrVersion = "2018-11-19"

// testImage encodes a 256*256 picture, the smallest inside every
// documented pixel range (ApplyCardVerificationExternal's is 256*256 to
// 4096*4096), in the named format; shade varies it, so that each one has
// its own hash.
func testImage(t testing.TB, format string, shade uint8) []byte {
	t.Helper()
	return sizedImage(t, format, shade, 256, 256)
}

// sizedImage encodes a w*h picture in the named format.
func sizedImage(t testing.TB, format string, shade uint8, w, h int) []byte {
	t.Helper()
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Gray{shade}, color.White})
	for x := 0; x < w; x += 3 {
		img.SetColorIndex(x, x%h, 1)
	}
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, nil)
	case "gif":
		err = gif.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// documentActions are the ocr actions that must be given an image.
func documentActions() []*spec.Action {
	var out []*spec.Action
	for _, name := range spec.Ocr().ActionNames {
		a := spec.Ocr().Actions[name]
		for _, m := range a.Input.Members {
			if r := imageRule(m); r != nil && r.Required {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// frontMembers returns the URL and base64 members of an action's required
// image.
func frontMembers(a *spec.Action) (urlName, b64Name string, list bool) {
	for _, m := range a.Input.Members {
		r := imageRule(m)
		if r == nil || !r.Required {
			continue
		}
		if r.Source == "url" {
			urlName = m.Name
		} else {
			b64Name = m.Name
		}
		list = m.Type == "list"
	}
	return urlName, b64Name, list
}

// TestOCRDocumentImages: every document action reads its image as the
// docs say, through the Go SDK: base64 or a URL (downloaded from a server
// in the test), format detected from the bytes; a missing, undecodable,
// unsupported or unreachable image gets a code Tencent documents for that
// action, with a message naming the member.
func TestOCRDocumentImages(t *testing.T) {
	tg := inProcess(t, emulator.Options{})
	c := goClient(tg, credMain)
	pngBytes, gifBytes := testImage(t, "png", 10), testImage(t, "gif", 10)
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/card.png":
			_, _ = w.Write(pngBytes)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(files.Close)

	actions := documentActions()
	if len(actions) < 28 {
		t.Fatalf("only %d document actions found", len(actions))
	}
	for _, a := range actions {
		t.Run(a.Name, func(t *testing.T) {
			urlName, b64Name, list := frontMembers(a)
			value := func(v string) any {
				if list {
					return []any{v}
				}
				return v
			}
			req := func(member, v string) map[string]any {
				r := validRequest(a.Input, nil)
				delete(r, b64Name)
				if member != "" {
					r[member] = value(v)
				}
				return r
			}
			send := func(r map[string]any) error {
				_, err := callService(c, "ocr", ocrVersion, a.Name, r)
				return err
			}
			documented := func(what string, err error, fallback string) {
				t.Helper()
				code := sdkCode(err)
				if code == "" {
					t.Errorf("%s: %v, want an API error", what, err)
					return
				}
				if code != fallback && catalog.DocumentedFor(a.Name, code) == "" {
					t.Errorf("%s: code %s is not documented for %s", what, code, a.Name)
				}
			}

			if err := send(req(b64Name, base64.StdEncoding.EncodeToString(pngBytes))); err != nil {
				t.Errorf("PNG as base64: %v", err)
			}
			err := send(req("", ""))
			documented("no image", err, catalog.MissingParameter)
			if err != nil && !strings.Contains(err.Error(), b64Name) {
				t.Errorf("no image: %v does not name %s", err, b64Name)
			}
			err = send(req(b64Name, "not base64!"))
			documented("bad base64", err, catalog.InvalidParameterValue)
			err = send(req(b64Name, base64.StdEncoding.EncodeToString(gifBytes)))
			documented("GIF", err, catalog.InvalidParameterValue)
			if err != nil && !strings.Contains(err.Error(), "GIF") {
				t.Errorf("GIF: %v does not say GIF", err)
			}
			if urlName == "" {
				return
			}
			if err := send(req(urlName, files.URL+"/card.png")); err != nil {
				t.Errorf("PNG by URL: %v", err)
			}
			err = send(req(urlName, files.URL+"/missing.png"))
			documented("URL answering 404", err, catalog.InvalidParameterValue)
			if err != nil && !strings.Contains(err.Error(), "404") {
				t.Errorf("URL answering 404: %v does not say 404", err)
			}
			err = send(req(urlName, "ftp://files.example/card.png"))
			documented("ftp URL", err, catalog.InvalidParameterValue)
		})
	}
}

// TestOCRImageTooLarge: an image over the documented size after Base64
// encoding (2 MB for ApplyCardVerificationExternal's front side) is
// refused with a documented code.
func TestOCRImageTooLarge(t *testing.T) {
	tg := inProcess(t, emulator.Options{})
	c := goClient(tg, credMain)
	big := make([]byte, 2<<20)
	copy(big, testImage(t, "png", 1))
	_, err := callService(c, "ocr", ocrVersion, "ApplyCardVerificationExternal", map[string]any{
		"Nationality": "IDN", "CardType": "ID_CARD", "ImageBase64Front": base64.StdEncoding.EncodeToString(big),
	})
	if code := sdkCode(err); code != "FailedOperation.ImageSizeTooLarge" || !strings.Contains(err.Error(), "2 MB") {
		t.Fatalf("%v, want FailedOperation.ImageSizeTooLarge naming 2 MB", err)
	}
}

// TestOCRImagePixels: through the Go SDK, a picture outside the pixel
// range an action documents (spec/ocr-2018-11-19.rules.json) gets the code
// the rules name for it, with the measured size and the range; one at the
// bounds is answered. Base64 and URL pictures alike.
func TestOCRImagePixels(t *testing.T) {
	tg := inProcess(t, emulator.Options{})
	c := goClient(tg, credMain)
	small := sizedImage(t, "png", 3, 19, 20)
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/small.png" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(small)
	}))
	t.Cleanup(files.Close)
	b64 := func(format string, w, h int) string {
		return base64.StdEncoding.EncodeToString(sizedImage(t, format, 5, w, h))
	}
	card := func(params map[string]any) map[string]any { // with the required members
		params["Nationality"], params["CardType"] = "IDN", "ID_CARD"
		return params
	}
	for _, tc := range []struct {
		name, action string
		params       map[string]any
		wantCode     string // "" = answered
		wantText     string
	}{
		{"apply 255*256", "ApplyCardVerificationExternal", card(map[string]any{"ImageBase64Front": b64("png", 255, 256)}),
			"InvalidParameter.EngineImageDecodeFailed", "is 255*256 pixels; supported: between 256*256 and 4096*4096 pixels"},
		{"apply 256*256", "ApplyCardVerificationExternal", card(map[string]any{"ImageBase64Front": b64("png", 256, 256)}), "", ""},
		{"apply 4097*256", "ApplyCardVerificationExternal", card(map[string]any{"ImageBase64Front": b64("jpeg", 4097, 256)}),
			"FailedOperation.ImageSizeTooLarge", "is 4097*256 pixels"},
		{"apply head, png 2001*256", "ApplyCardVerificationExternal", card(map[string]any{"ImageBase64Front": b64("png", 2001, 256), "ReturnHeadImage": true}),
			"FailedOperation.ImageSizeTooLarge", "between 64*64 and 2000*2000 pixels (ReturnHeadImage true)"},
		{"extract 19*20 by URL", "ExtractDocMulti", map[string]any{"ImageUrl": files.URL + "/small.png"},
			"FailedOperation.ImageDecodeFailed", "`ImageUrl` is 19*20 pixels; supported: between 20*20 and 10000*10000 pixels"},
		{"extract 20*10000", "ExtractDocMulti", map[string]any{"ImageBase64": b64("png", 20, 10000)}, "", ""},
		{"indonesia head, jpeg 4000*64", "RecognizeIndonesiaIDCardOCR", map[string]any{"ImageBase64": b64("jpeg", 4000, 64), "ReturnHeadImage": true}, "", ""},
		{"indonesia head, 64*63", "RecognizeIndonesiaIDCardOCR", map[string]any{"ImageBase64": b64("png", 64, 63), "ReturnHeadImage": true},
			"FailedOperation.ImageDecodeFailed", "is 64*63 pixels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := callService(c, "ocr", ocrVersion, tc.action, tc.params)
			switch {
			case tc.wantCode == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.wantCode == "":
			case sdkCode(err) != tc.wantCode || !strings.Contains(err.Error(), tc.wantText):
				t.Errorf("%v, want %s saying %q", err, tc.wantCode, tc.wantText)
			}
		})
	}
}

// TestOCRScenarioByImageHash: a scenario file selects the recognised
// fields of an ocr action by the SHA-256 of the picture, given as base64
// or by URL; another picture gets Tencent's example answer, and a scenario
// can answer a documented error for its picture.
func TestOCRScenarioByImageHash(t *testing.T) {
	card, blurry, other := testImage(t, "jpeg", 20), testImage(t, "png", 40), testImage(t, "png", 60)
	dir := t.TempDir()
	file := filepath.Join(dir, "cards.yaml")
	yaml := `scenarios:
  - name: ana-ktp
    for: RecognizeIndonesiaIDCardOCR
    match: {imageSha256: ` + sha256Hex(card) + `}
    api:
      RecognizeIndonesiaIDCardOCR:
        response:
          NIK: "3171234567890123"
          Nama: "ANA SANTOSO"
          WarnCardInfos: [-9102]
  - name: blurry-ktp
    for: RecognizeIndonesiaIDCardOCR
    match: {imageSha256: ` + strings.ToUpper(sha256Hex(blurry)) + `}
    api:
      RecognizeIndonesiaIDCardOCR:
        error: {code: FailedOperation.ImageDecodeFailed}
`
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	tg := inProcess(t, emulator.Options{ScenarioPaths: []string{file}})
	c := goClient(tg, credMain)
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(card)
	}))
	t.Cleanup(files.Close)
	recognize := func(params map[string]any) (map[string]any, error) {
		return callService(c, "ocr", ocrVersion, "RecognizeIndonesiaIDCardOCR", params)
	}
	example := spec.Ocr().Actions["RecognizeIndonesiaIDCardOCR"].Examples[0].Response

	for name, params := range map[string]map[string]any{
		"base64": {"ImageBase64": base64.StdEncoding.EncodeToString(card)},
		"url":    {"ImageUrl": files.URL + "/ktp.jpg"},
		"url wins over base64": {"ImageUrl": files.URL + "/ktp.jpg",
			"ImageBase64": base64.StdEncoding.EncodeToString(other)},
	} {
		resp, err := recognize(params)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if resp["NIK"] != "3171234567890123" || resp["Nama"] != "ANA SANTOSO" {
			t.Errorf("%s: NIK %v, Nama %v; want the scenario's", name, resp["NIK"], resp["Nama"])
		}
		if w, _ := resp["WarnCardInfos"].([]any); len(w) != 1 || w[0] != float64(-9102) {
			t.Errorf("%s: WarnCardInfos %v, want [-9102]", name, resp["WarnCardInfos"])
		}
	}
	resp, err := recognize(map[string]any{"ImageBase64": base64.StdEncoding.EncodeToString(other)})
	if err != nil {
		t.Fatal(err)
	}
	if resp["NIK"] == "3171234567890123" || !strings.Contains(string(example), resp["NIK"].(string)) {
		t.Errorf("another picture: NIK %v, want the example's", resp["NIK"])
	}
	_, err = recognize(map[string]any{"ImageBase64": base64.StdEncoding.EncodeToString(blurry)})
	if sdkCode(err) != "FailedOperation.ImageDecodeFailed" {
		t.Errorf("blurry picture: %v, want the scripted FailedOperation.ImageDecodeFailed", err)
	}
	recs := tg.Server.RequestsMatching(emulator.RequestFilter{Action: "RecognizeIndonesiaIDCardOCR"})
	if len(recs) == 0 || recs[len(recs)-1].Service != "ocr" {
		t.Fatalf("journal: %+v, want records of service ocr", recs)
	}
}

// hostClient is a Go SDK client whose endpoint is host (a name such as
// ocr.localhost:PORT, as sent in Host and signed) while its connections go
// to the emulator under test.
func hostClient(tg *target, host string) *common.Client {
	c := goClient(tg, credMain, func(p *profile.ClientProfile) { p.HttpProfile.Endpoint = host })
	dialer := &net.Dialer{}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, tg.Endpoint)
	}
	return c.WithHttpTransport(tr)
}

// TestServiceRouting: one endpoint serves both services whatever the SDK
// signs as the service (ocr, faceid, or the endpoint's first label), by
// the action and its Version; a Host naming a service serves only that
// service; a known action at the other service's version is NoSuchVersion.
func TestServiceRouting(t *testing.T) {
	tg := inProcess(t, emulator.Options{})
	c := goClient(tg, credMain)
	_, port, _ := net.SplitHostPort(tg.Endpoint)
	png64 := base64.StdEncoding.EncodeToString(testImage(t, "png", 5))
	ocrReq := map[string]any{"ImageBase64": png64}
	faceidReq := map[string]any{"RedirectURL": "https://merchant.example/cb"}
	const apply = "ApplyWebVerificationBizTokenIntl"
	cases := []struct {
		name                   string
		client                 *common.Client
		scope, action, version string
		params                 map[string]any
		wantCode               string
	}{
		{"ocr action, scope ocr", c, "ocr", "HKIDCardOCR", ocrVersion, ocrReq, ""},
		{"ocr action, scope faceid", c, "faceid", "HKIDCardOCR", ocrVersion, ocrReq, ""},
		{"ocr action, scope 127", c, "127", "HKIDCardOCR", ocrVersion, ocrReq, ""},
		{"faceid action, scope 127", c, "127", apply, emulator.APIVersion, faceidReq, ""},
		{"faceid action, scope ocr", c, "ocr", apply, emulator.APIVersion, faceidReq, ""},
		{"ocr action at faceid's version", c, "ocr", "HKIDCardOCR", emulator.APIVersion, ocrReq, catalog.NoSuchVersion},
		{"faceid action at ocr's version", c, "faceid", apply, ocrVersion, faceidReq, catalog.NoSuchVersion},
		{"host ocr.localhost, ocr action", hostClient(tg, "ocr.localhost:"+port), "ocr", "HKIDCardOCR", ocrVersion, ocrReq, ""},
		{"host ocr.localhost, faceid action", hostClient(tg, "ocr.localhost:"+port), "ocr", apply, emulator.APIVersion, faceidReq, catalog.InvalidAction},
		{"host faceid.localhost, faceid action", hostClient(tg, "faceid.localhost:"+port), "faceid", apply, emulator.APIVersion, faceidReq, ""},
		{"host faceid.localhost, ocr action", hostClient(tg, "faceid.localhost:"+port), "faceid", "HKIDCardOCR", ocrVersion, ocrReq, catalog.InvalidAction},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := callService(tc.client, tc.scope, tc.version, tc.action, tc.params)
			if got := sdkCode(err); got != tc.wantCode {
				t.Fatalf("%v, want code %q", err, tc.wantCode)
			}
		})
	}
}

// TestLibraryOCRScenarios runs every shipped ocr scenario through the Go
// SDK: its action given its sample picture (catalog/ocr-images) answers
// the scenario's error, or its response members (the warning among them).
func TestLibraryOCRScenarios(t *testing.T) {
	lib, err := scenarios.Library()
	if err != nil {
		t.Fatal(err)
	}
	tg := inProcess(t, emulator.Options{})
	c := goClient(tg, credMain)
	n := 0
	for _, sc := range lib.List() {
		action, ok := spec.Ocr().Actions[sc.For]
		if !ok {
			continue
		}
		n++
		picture := strings.TrimSuffix(sc.Description[strings.LastIndex(sc.Description, "catalog/ocr-images/")+len("catalog/ocr-images/"):], ".png.")
		img, ok := catalog.OCRImage(picture)
		if !ok {
			t.Fatalf("%s: picture %q not found", sc.Name, picture)
		}
		if sha256Hex(img) != sc.Match.ImageSHA256 {
			t.Fatalf("%s: picture %s is not the one it matches", sc.Name, picture)
		}
		params := validRequest(action.Input, nil)
		_, b64Name, list := frontMembers(action)
		params[b64Name] = base64.StdEncoding.EncodeToString(img)
		if list {
			params[b64Name] = []any{params[b64Name]}
		}
		resp, err := callService(c, "ocr", ocrVersion, action.Name, params)
		b, _ := sc.Behavior(action.Name)
		if b.Error != nil {
			if sdkCode(err) != b.Error.Code {
				t.Errorf("%s: %v, want %s", sc.Name, err, b.Error.Code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", sc.Name, err)
			continue
		}
		for k, want := range b.Response {
			if got, _ := json.Marshal(resp[k]); string(got) != mustJSON(t, want) {
				t.Errorf("%s: %s = %s, want %s", sc.Name, k, got, mustJSON(t, want))
			}
		}
	}
	if n < 300 {
		t.Errorf("only %d ocr scenarios in the library", n)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
