package ocr

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/catalog"
)

// FuzzPrepare: any ImageBase64 (raw or as the base64 of any bytes) is
// either accepted with one hash or refused with a code the action
// documents; nothing panics.
func FuzzPrepare(f *testing.F) {
	f.Add("", []byte(nil))
	f.Add("@@@@", pngHead)
	f.Add("/9j/4AAQSkZJRgABAQ==", jpegHead)
	f.Add("R0lGODlhAQABAAAAACw=", []byte("GIF89a"))
	im := New(Config{})
	f.Fuzz(func(t *testing.T, raw string, data []byte) {
		for _, v := range []string{raw, base64.StdEncoding.EncodeToString(data)} {
			c := call(t, "RecognizeThaiIDCardOCR", map[string]any{"ImageBase64": v})
			err := im.Prepare(context.Background(), c)
			if err == nil {
				if len(c.ImageSHA256) != 1 {
					t.Fatalf("accepted %q with hashes %v", v, c.ImageSHA256)
				}
				continue
			}
			if catalog.DocumentedFor("RecognizeThaiIDCardOCR", err.Code) == "" {
				t.Fatalf("%q: code %s is not documented for the action", v, err.Code)
			}
		}
	})
}
