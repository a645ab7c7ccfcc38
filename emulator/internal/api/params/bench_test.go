package params_test

import (
	"crypto/rand"
	"encoding/base64"
	"runtime"
	"strings"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api/params"
)

const imageSize = 8 << 20 // 8 MB of base64 text

// applyBody returns an Apply body with an 8 MB CompareImageBase64 as the Go,
// Node, Python and Java SDKs send it, or with "/" escaped as PHP sends it.
func applyBody(tb testing.TB, phpEscaped bool) ([]byte, string) {
	tb.Helper()
	raw := make([]byte, imageSize/4*3)
	if _, err := rand.Read(raw); err != nil {
		tb.Fatal(err)
	}
	img := base64.StdEncoding.EncodeToString(raw)
	wire := img
	if phpEscaped {
		wire = strings.ReplaceAll(img, "/", `\/`)
	}
	body := `{"RedirectURL":"https://example.com/cb","CompareImageBase64":"` + wire +
		`","Extra":"ExtraString","Config":{"AutoSkip":true,"CheckMode":1,"IDCardType":"HKIDCard"}}`
	return []byte(body), img
}

func decodeOnce(tb testing.TB, body []byte, want string) {
	var req applyReq
	if err := params.DecodeJSON(body, &req); err != nil {
		tb.Fatal(err)
	}
	if req.CompareImageBase64 == nil || len(*req.CompareImageBase64) != len(want) {
		tb.Fatal("CompareImageBase64 not decoded")
	}
}

func BenchmarkDecodeJSONApply8MB(b *testing.B) {
	for _, tc := range []struct {
		name string
		php  bool
	}{{"plain", false}, {"php-escaped", true}} {
		b.Run(tc.name, func(b *testing.B) {
			body, img := applyBody(b, tc.php)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				decodeOnce(b, body, img)
			}
		})
	}
}

func BenchmarkDecodeValuesApply(b *testing.B) {
	values := map[string][]string{
		"Action": {"ApplyWebVerificationBizTokenIntl"}, "RedirectURL": {"https://example.com/cb"},
		"CompareImageBase64": {strings.Repeat("A", 64<<10)}, "Config.AutoSkip": {"true"}, "Config.CheckMode": {"1"},
		"Config.IDCardType": {"HKIDCard"}, "Extra": {"x"},
	}
	b.ReportAllocs()
	for b.Loop() {
		var req applyReq
		if err := params.DecodeValues(values, &req, params.V1CommonParams); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDecodeJSON8MBCopiesOnce checks that an 8 MB string costs one copy:
// total allocation stays within the size of the string as it appears in the
// body (escaped strings are decoded into a buffer of their raw size) plus a
// little.
func TestDecodeJSON8MBCopiesOnce(t *testing.T) {
	for _, php := range []bool{false, true} {
		body, img := applyBody(t, php)
		decodeOnce(t, body, img) // warm the type cache
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var req applyReq
		if err := params.DecodeJSON(body, &req); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if *req.CompareImageBase64 != img {
			t.Fatal("image differs")
		}
		raw := len(img)
		if php {
			raw += strings.Count(img, "/")
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(raw)+64<<10 {
			t.Errorf("php=%v: allocated %d bytes for a string of %d raw bytes", php, alloc, raw)
		}
	}
}
