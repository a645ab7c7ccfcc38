package ocr

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/actions"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/ocr/model"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/signature"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

var (
	pngHead  = []byte("\x89PNG\r\n\x1a\nrest-of-a-png")
	jpegHead = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00rest")
)

func TestDetectFormat(t *testing.T) {
	for want, data := range map[string][]byte{
		"JPEG":   jpegHead,
		"PNG":    pngHead,
		"BMP":    []byte("BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00"),
		"GIF":    []byte("GIF89a\x01\x00\x01\x00"),
		"PDF":    []byte("%PDF-1.7\n"),
		"OFFICE": []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"),
		"":       []byte("plain text, not an image"),
	} {
		if got := DetectFormat(data); got != want {
			t.Errorf("DetectFormat(%q) = %q, want %q", data[:4], got, want)
		}
	}
	if got := DetectFormat([]byte("PK\x03\x04rest-of-a-docx")); got != "OFFICE" {
		t.Errorf("a zip (docx) = %q, want OFFICE", got)
	}
}

// call builds a decoded call of action with the given parameters.
func call(t *testing.T, action string, params map[string]any) *actions.Call {
	t.Helper()
	a := spec.Ocr().Actions[action]
	body, _ := json.Marshal(params)
	c := api.NewJSONCall(signature.Common{Action: action}, "req-1", "", body)
	req, _ := model.NewRequest(action)
	if err := c.Decode(req); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return &actions.Call{Call: c, Action: a, Request: req}
}

func TestPrepare(t *testing.T) {
	big := make([]byte, 6<<20) // 8 MB after Base64 encoding: over 7 MB
	copy(big, pngHead)
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/card.jpg":
			_, _ = w.Write(jpegHead)
		case "/big.png":
			_, _ = w.Write(big)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/hang":
			<-r.Context().Done() // never answers: the documented 3 s bound ends it
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(files.Close)
	im := New(Config{})
	hash := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	b64 := base64.StdEncoding.EncodeToString

	cases := []struct {
		name, action string
		params       map[string]any
		wantCode     string // "" = accepted
		wantText     string // in the message, or the hash when accepted
	}{
		{"base64 png", "HKIDCardOCR", map[string]any{"ImageBase64": b64(pngHead)}, "", hash(pngHead)},
		{"url jpeg", "HKIDCardOCR", map[string]any{"ImageUrl": files.URL + "/card.jpg"}, "", hash(jpegHead)},
		{"url wins", "HKIDCardOCR", map[string]any{"ImageUrl": files.URL + "/card.jpg", "ImageBase64": b64(pngHead)}, "", hash(jpegHead)},
		{"front and back", "MLIDCardOCR", map[string]any{"ImageBase64": b64(pngHead), "BackImageBase64": b64(jpegHead)}, "", hash(jpegHead)},
		{"list", "PODAuditAI", map[string]any{"ImageBase64List": []string{b64(pngHead), b64(jpegHead)}}, "", hash(jpegHead)},
		{"no image", "RecognizeThaiIDCardOCR", map[string]any{}, "FailedOperation.EmptyImageError", "ImageUrl or ImageBase64"},
		{"no image, other code", "HKIDCardOCR", map[string]any{}, "InvalidParameterValue.InvalidParameterValueLimit", "ImageUrl or ImageBase64"},
		{"back only is optional", "MLIDCardOCR", map[string]any{"ImageBase64": b64(pngHead)}, "", hash(pngHead)},
		{"bad base64", "HKIDCardOCR", map[string]any{"ImageBase64": "@@@@"}, "FailedOperation.ImageDecodeFailed", "base64"},
		{"bmp not accepted", "HKIDCardOCR", map[string]any{"ImageBase64": b64([]byte("BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00"))}, "FailedOperation.ImageDecodeFailed", "BMP"},
		{"bmp accepted", "RecognizeThaiIDCardOCR", map[string]any{"ImageBase64": b64([]byte("BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00"))}, "", ""},
		{"engine code", "ApplyCardVerificationExternal", map[string]any{"Nationality": "IDN", "CardType": "ID_CARD", "ImageBase64Front": "@@@@"}, "InvalidParameter.EngineImageDecodeFailed", "ImageBase64Front"},
		{"url too large", "HKIDCardOCR", map[string]any{"ImageUrl": files.URL + "/big.png"}, "LimitExceeded.TooLargeFileError", "3 MB"},
		{"base64 too large", "RecognizeIndonesiaIDCardOCR", map[string]any{"ImageBase64": b64(big)}, "LimitExceeded.TooLargeFileError", "7 MB"},
		{"url 404", "HKIDCardOCR", map[string]any{"ImageUrl": files.URL + "/nope"}, "FailedOperation.DownLoadError", "HTTP 404"},
		{"url redirect loop", "HKIDCardOCR", map[string]any{"ImageUrl": files.URL + "/loop"}, "FailedOperation.DownLoadError", "request failed"},
		{"url not http", "HKIDCardOCR", map[string]any{"ImageUrl": "file:///etc/passwd"}, "FailedOperation.DownLoadError", "http or https"},
		{"url never answers", "HKIDCardOCR", map[string]any{"ImageUrl": files.URL + "/hang"}, "FailedOperation.DownLoadError", "longer than 3s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := call(t, tc.action, tc.params)
			err := im.Prepare(context.Background(), c)
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if tc.wantText != "" && !strings.Contains(strings.Join(c.ImageSHA256, " "), tc.wantText) {
					t.Errorf("hashes %v, want %s among them", c.ImageSHA256, tc.wantText)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want %s", tc.wantCode)
			}
			if err.Code != tc.wantCode || !strings.Contains(err.Message, tc.wantText) {
				t.Errorf("%s %q, want %s with %q", err.Code, err.Message, tc.wantCode, tc.wantText)
			}
		})
	}
}

func TestLocalUploadArea(t *testing.T) {
	im := New(Config{Local: func(raw string) ([]byte, bool, error) {
		if strings.HasPrefix(raw, "http://emulator.local/upload/") {
			return jpegHead, true, nil
		}
		return nil, false, nil
	}})
	c := call(t, "HKIDCardOCR", map[string]any{"ImageUrl": "http://emulator.local/upload/abc"})
	if err := im.Prepare(context.Background(), c); err != nil {
		t.Fatalf("upload area URL refused: %v", err)
	}
	if s := sha256.Sum256(jpegHead); len(c.ImageSHA256) != 1 || c.ImageSHA256[0] != hex.EncodeToString(s[:]) {
		t.Errorf("hashes %v", c.ImageSHA256)
	}
}
