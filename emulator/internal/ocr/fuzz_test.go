package ocr

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/catalog"
)

// FuzzPrepare: any ImageBase64 (raw or as the base64 of any bytes) is
// either accepted with one hash or refused with a code the action
// documents, also where a pixel range applies (ApplyCardVerificationExternal
// with ReturnHeadImage); nothing panics.
func FuzzPrepare(f *testing.F) {
	f.Add("", []byte(nil))
	f.Add("@@@@", pngHead)
	f.Add("/9j/4AAQSkZJRgABAQ==", jpegHead)
	f.Add("R0lGODlhAQABAAAAACw=", []byte("GIF89a"))
	f.Add("", picture(f, "PNG", 256, 256))
	f.Add("", picture(f, "JPEG", 300, 64))
	im := New(Config{})
	f.Fuzz(func(t *testing.T, raw string, data []byte) {
		for _, v := range []string{raw, base64.StdEncoding.EncodeToString(data)} {
			for action, params := range map[string]map[string]any{
				"RecognizeThaiIDCardOCR":        {"ImageBase64": v},
				"ApplyCardVerificationExternal": {"ImageBase64Front": v, "ReturnHeadImage": true, "Nationality": "IDN", "CardType": "ID_CARD"},
			} {
				c := call(t, action, params)
				err := im.Prepare(context.Background(), c)
				if err == nil {
					if len(c.ImageSHA256) != 1 {
						t.Fatalf("%s accepted %q with hashes %v", action, v, c.ImageSHA256)
					}
					continue
				}
				if catalog.DocumentedFor(action, err.Code) == "" {
					t.Fatalf("%s %q: code %s is not documented for the action", action, v, err.Code)
				}
			}
		}
	})
}
