package ocr

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/image/bmp"

	"github.com/faceid-emulator/faceid-emulator/spec"
)

// picture encodes a uniform w*h picture (PNG, JPEG or BMP): uniform, so
// that even 10001*20 stays a few KB.
func picture(t testing.TB, format string, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	var b bytes.Buffer
	var err error
	switch format {
	case "PNG":
		err = png.Encode(&b, img)
	case "JPEG":
		err = jpeg.Encode(&b, img, nil)
	case "BMP":
		err = bmp.Encode(&b, img)
	default:
		t.Fatalf("no encoder for %s", format)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDimensions(t *testing.T) {
	for _, format := range []string{"PNG", "JPEG", "BMP"} {
		for _, size := range [][2]int{{1, 1}, {300, 17}, {17, 300}} {
			data := picture(t, format, size[0], size[1])
			if got := DetectFormat(data); got != format {
				t.Fatalf("%s %v detected as %q", format, size, got)
			}
			w, h, ok, err := Dimensions(data, format)
			if !ok || err != nil || w != size[0] || h != size[1] {
				t.Errorf("%s %v: Dimensions = %d*%d ok=%v err=%v", format, size, w, h, ok, err)
			}
		}
	}
	for _, format := range []string{"PDF", "OFFICE", ""} {
		if _, _, ok, err := Dimensions([]byte("anything"), format); ok || err != nil {
			t.Errorf("%q: ok=%v err=%v, want no pixels and no error", format, ok, err)
		}
	}
	if _, _, ok, err := Dimensions(pngHead, "PNG"); !ok || err == nil {
		t.Errorf("a PNG signature without its header: ok=%v err=%v, want an error", ok, err)
	}
}

// withClaimedSize rewrites the size a PNG's IHDR or a baseline JPEG's SOF0
// header states, leaving the pixel data as it is.
func withClaimedSize(t *testing.T, data []byte, format string, w, h int) []byte {
	t.Helper()
	out := bytes.Clone(data)
	switch format {
	case "PNG": // signature (8), length (4), "IHDR", width, height, ...; CRC over type and data
		binary.BigEndian.PutUint32(out[16:], uint32(w))
		binary.BigEndian.PutUint32(out[20:], uint32(h))
		binary.BigEndian.PutUint32(out[29:], crc32.ChecksumIEEE(out[12:29]))
	case "JPEG": // FFC0, length (2), precision (1), height (2), width (2)
		i := bytes.Index(out, []byte{0xFF, 0xC0})
		if i < 0 {
			t.Fatal("no SOF0 marker")
		}
		binary.BigEndian.PutUint16(out[i+5:], uint16(h))
		binary.BigEndian.PutUint16(out[i+7:], uint16(w))
	}
	return out
}

// TestDimensionsHugeHeader: a header claiming 65535*65535 pixels (4 GB as
// 8-bit grey) is measured without allocating them.
func TestDimensionsHugeHeader(t *testing.T) {
	for _, format := range []string{"PNG", "JPEG"} {
		data := withClaimedSize(t, picture(t, format, 8, 8), format, 65535, 65535)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		w, h, _, err := Dimensions(data, format)
		runtime.ReadMemStats(&after)
		if err != nil || w != 65535 || h != 65535 {
			t.Errorf("%s: %d*%d err=%v, want 65535*65535", format, w, h, err)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("%s: reading the header allocated %d bytes", format, n)
		}
	}
}

// TestPixelRanges: each documented range (spec/ocr-2018-11-19.rules.json)
// at its bounds, one pixel inside and one outside, in both orientations,
// with the code the rules name for the action and a message giving the
// measured size and the range.
func TestPixelRanges(t *testing.T) {
	type size struct{ w, h int }
	cases := []struct {
		name, action, member, format string
		extra                        map[string]any
		size                         size
		wantCode, wantText           string // "" = accepted
	}{
		// ApplyCardVerificationExternal: "Between 256*256 and 4096*4096 pixels".
		{"apply min", "ApplyCardVerificationExternal", "ImageBase64Front", "PNG", nil, size{256, 256}, "", ""},
		{"apply under min", "ApplyCardVerificationExternal", "ImageBase64Front", "PNG", nil, size{255, 256}, "InvalidParameter.EngineImageDecodeFailed", "is 255*256 pixels; supported: between 256*256 and 4096*4096 pixels"},
		{"apply under min, portrait", "ApplyCardVerificationExternal", "ImageBase64Front", "JPEG", nil, size{256, 255}, "InvalidParameter.EngineImageDecodeFailed", "is 256*255 pixels"},
		{"apply max", "ApplyCardVerificationExternal", "ImageBase64Front", "JPEG", nil, size{4096, 256}, "", ""},
		{"apply max, portrait", "ApplyCardVerificationExternal", "ImageBase64Front", "PNG", nil, size{256, 4096}, "", ""},
		{"apply over max", "ApplyCardVerificationExternal", "ImageBase64Front", "PNG", nil, size{4097, 256}, "FailedOperation.ImageSizeTooLarge", "is 4097*256 pixels"},
		{"apply over max, portrait", "ApplyCardVerificationExternal", "ImageBase64Front", "JPEG", nil, size{256, 4097}, "FailedOperation.ImageSizeTooLarge", "is 256*4097 pixels"},
		{"apply back", "ApplyCardVerificationExternal", "ImageBase64Back", "PNG", nil, size{300, 255}, "InvalidParameter.EngineImageDecodeFailed", "`ImageBase64Back` is 300*255"},
		// and, with ReturnHeadImage, "4000 for JPG, 2000 for other formats".
		{"apply head png max", "ApplyCardVerificationExternal", "ImageBase64Front", "PNG", map[string]any{"ReturnHeadImage": true}, size{2000, 256}, "", ""},
		{"apply head png over max", "ApplyCardVerificationExternal", "ImageBase64Front", "PNG", map[string]any{"ReturnHeadImage": true}, size{256, 2001}, "FailedOperation.ImageSizeTooLarge", "between 64*64 and 2000*2000 pixels (ReturnHeadImage true)"},
		{"apply head jpeg max", "ApplyCardVerificationExternal", "ImageBase64Front", "JPEG", map[string]any{"ReturnHeadImage": true}, size{4000, 256}, "", ""},
		{"apply head jpeg over max", "ApplyCardVerificationExternal", "ImageBase64Front", "JPEG", map[string]any{"ReturnHeadImage": true}, size{4001, 256}, "FailedOperation.ImageSizeTooLarge", "between 64*64 and 4000*4000 pixels (JPEG, ReturnHeadImage true)"},
		{"apply no head, png over 2000", "ApplyCardVerificationExternal", "ImageBase64Front", "PNG", map[string]any{"ReturnHeadImage": false}, size{2001, 256}, "", ""},
		// ExtractDocMulti: "between 20-10000px".
		{"doc min", "ExtractDocMulti", "ImageBase64", "PNG", nil, size{20, 20}, "", ""},
		{"doc under min", "ExtractDocMulti", "ImageBase64", "PNG", nil, size{19, 20}, "FailedOperation.ImageDecodeFailed", "is 19*20 pixels; supported: between 20*20 and 10000*10000 pixels"},
		{"doc under min, portrait", "ExtractDocMulti", "ImageBase64", "JPEG", nil, size{20, 19}, "FailedOperation.ImageDecodeFailed", "is 20*19 pixels"},
		{"doc max", "ExtractDocMulti", "ImageBase64", "JPEG", nil, size{10000, 20}, "", ""},
		{"doc over max", "ExtractDocMulti", "ImageBase64", "PNG", nil, size{10001, 20}, "LimitExceeded.TooLargeFileError", "is 10001*20 pixels"},
		{"doc over max, portrait", "ExtractDocMulti", "ImageBase64", "PNG", nil, size{20, 10001}, "LimitExceeded.TooLargeFileError", "is 20*10001 pixels"},
		// RecognizeIndonesiaIDCardOCR with ReturnHeadImage: long side 4000
		// (JPEG) or 2000, short side at least 64; nothing without it.
		{"idn head min", "RecognizeIndonesiaIDCardOCR", "ImageBase64", "PNG", map[string]any{"ReturnHeadImage": true}, size{64, 64}, "", ""},
		{"idn head under min", "RecognizeIndonesiaIDCardOCR", "ImageBase64", "PNG", map[string]any{"ReturnHeadImage": true}, size{63, 64}, "FailedOperation.ImageDecodeFailed", "is 63*64 pixels; supported: between 64*64 and 2000*2000 pixels (ReturnHeadImage true)"},
		{"idn head under min, portrait", "RecognizeIndonesiaIDCardOCR", "ImageBase64", "JPEG", map[string]any{"ReturnHeadImage": true}, size{64, 63}, "FailedOperation.ImageDecodeFailed", "is 64*63 pixels"},
		{"idn head png max", "RecognizeIndonesiaIDCardOCR", "ImageBase64", "PNG", map[string]any{"ReturnHeadImage": true}, size{64, 2000}, "", ""},
		{"idn head png over max", "RecognizeIndonesiaIDCardOCR", "ImageBase64", "PNG", map[string]any{"ReturnHeadImage": true}, size{2001, 64}, "LimitExceeded.TooLargeFileError", "is 2001*64 pixels"},
		{"idn head jpeg max", "RecognizeIndonesiaIDCardOCR", "ImageBase64", "JPEG", map[string]any{"ReturnHeadImage": true}, size{64, 4000}, "", ""},
		{"idn head jpeg over max", "RecognizeIndonesiaIDCardOCR", "ImageBase64", "JPEG", map[string]any{"ReturnHeadImage": true}, size{4001, 64}, "LimitExceeded.TooLargeFileError", "(JPEG, ReturnHeadImage true)"},
		{"idn without head", "RecognizeIndonesiaIDCardOCR", "ImageBase64", "PNG", nil, size{1, 1}, "", ""},
		{"idn head false", "RecognizeIndonesiaIDCardOCR", "ImageBase64", "PNG", map[string]any{"ReturnHeadImage": false}, size{63, 5000}, "", ""},
		// An action with no documented range takes any size.
		{"no range", "HKIDCardOCR", "ImageBase64", "PNG", nil, size{1, 1}, "", ""},
	}
	im := New(Config{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			params := map[string]any{tc.member: base64.StdEncoding.EncodeToString(picture(t, tc.format, tc.size.w, tc.size.h))}
			if strings.HasPrefix(tc.action, "ApplyCard") {
				params["Nationality"], params["CardType"] = "IDN", "ID_CARD"
				if tc.member == "ImageBase64Back" {
					params["ImageBase64Front"] = base64.StdEncoding.EncodeToString(picture(t, "PNG", 256, 256))
				}
			}
			for k, v := range tc.extra {
				params[k] = v
			}
			err := im.Prepare(context.Background(), call(t, tc.action, params))
			switch {
			case tc.wantCode == "" && err != nil:
				t.Fatalf("%s %d*%d refused: %s %s", tc.format, tc.size.w, tc.size.h, err.Code, err.Message)
			case tc.wantCode == "":
			case err == nil:
				t.Fatalf("%s %d*%d accepted, want %s", tc.format, tc.size.w, tc.size.h, tc.wantCode)
			case err.Code != tc.wantCode:
				t.Errorf("code %s (%s), want %s", err.Code, err.Message, tc.wantCode)
			case !strings.Contains(err.Message, tc.wantText) || !strings.Contains(err.Message, "`"+tc.member+"`"):
				t.Errorf("message %q, want it to name `%s` and say %q", err.Message, tc.member, tc.wantText)
			}
		})
	}
}

// TestPixelSettingBytes: with ReturnHeadImage true, RecognizeIndonesiaIDCardOCR
// takes images of at most 5 MB after Base64 encoding ("Image size after
// encoding must not exceed 5M"), below its general 7 MB; without it, the
// same picture is answered.
func TestPixelSettingBytes(t *testing.T) {
	// Noise does not compress: a 1100*1000 RGBA picture is a PNG of about
	// 4.4 MB, 5.9 MB in Base64: over 5 MiB, under the general 7 MiB.
	img := image.NewRGBA(image.Rect(0, 0, 1100, 1000))
	x := uint32(1)
	for i := range img.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		img.Pix[i] = byte(x)
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	enc := base64.StdEncoding.EncodeToString(b.Bytes())
	if n := len(enc); n <= 5<<20 || n > 7<<20 {
		t.Fatalf("the picture is %d bytes in Base64, want between 5 and 7 MiB", n)
	}
	im := New(Config{})
	for _, tc := range []struct {
		head     any
		wantCode string
	}{{true, "LimitExceeded.TooLargeFileError"}, {false, ""}, {nil, ""}} {
		params := map[string]any{"ImageBase64": enc}
		if tc.head != nil {
			params["ReturnHeadImage"] = tc.head
		}
		err := im.Prepare(context.Background(), call(t, "RecognizeIndonesiaIDCardOCR", params))
		switch {
		case tc.wantCode == "" && err != nil:
			t.Errorf("ReturnHeadImage %v: refused %s %s", tc.head, err.Code, err.Message)
		case tc.wantCode != "" && (err == nil || err.Code != tc.wantCode || !strings.Contains(err.Message, "at most 5 MB (ReturnHeadImage true)")):
			t.Errorf("ReturnHeadImage %v: %+v, want %s saying at most 5 MB", tc.head, err, tc.wantCode)
		}
	}
}

// TestPixelRangesByURL: a downloaded picture is measured as a sent one,
// and one whose header cannot be read is a decode failure.
func TestPixelRangesByURL(t *testing.T) {
	files := map[string][]byte{"/small.png": picture(t, "PNG", 255, 300), "/ok.png": picture(t, "PNG", 256, 300), "/head-only.png": pngHead}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := files[r.URL.Path]; ok {
			_, _ = w.Write(b)
		} else {
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	im := New(Config{})
	for _, tc := range []struct{ path, wantCode, wantText string }{
		{"/ok.png", "", ""},
		{"/small.png", "InvalidParameter.EngineImageDecodeFailed", "`ImageUrlFront` is 255*300 pixels"},
		{"/head-only.png", "InvalidParameter.EngineImageDecodeFailed", "its PNG header cannot be read"},
	} {
		c := call(t, "ApplyCardVerificationExternal", map[string]any{"Nationality": "IDN", "CardType": "ID_CARD", "ImageUrlFront": srv.URL + tc.path})
		err := im.Prepare(context.Background(), c)
		switch {
		case tc.wantCode == "" && err != nil:
			t.Errorf("%s refused: %s %s", tc.path, err.Code, err.Message)
		case tc.wantCode != "" && err == nil:
			t.Errorf("%s accepted, want %s", tc.path, tc.wantCode)
		case err != nil && (err.Code != tc.wantCode || !strings.Contains(err.Message, tc.wantText)):
			t.Errorf("%s: %s %q, want %s saying %q", tc.path, err.Code, err.Message, tc.wantCode, tc.wantText)
		}
	}
}

// TestPixelRulesCovered: TestPixelRanges tries every documented range of
// the spec (a member it does not send has the same range as one it does).
func TestPixelRulesCovered(t *testing.T) {
	tried := map[string]string{ // member -> the member whose range is tried
		"ApplyCardVerificationExternalRequest.ImageBase64Front": "",
		"ApplyCardVerificationExternalRequest.ImageBase64Back":  "",
		"ApplyCardVerificationExternalRequest.ImageUrlFront":    "", // TestPixelRangesByURL
		"ApplyCardVerificationExternalRequest.ImageUrlBack":     "ApplyCardVerificationExternalRequest.ImageUrlFront",
		"ApplyCardVerificationExternalRequest.ReturnHeadImage":  "",
		"ExtractDocMultiRequest.ImageBase64":                    "",
		"ExtractDocMultiRequest.ImageUrl":                       "ExtractDocMultiRequest.ImageBase64",
		"RecognizeIndonesiaIDCardOCRRequest.ReturnHeadImage":    "",
	}
	rule := func(key string) *spec.PixelRule {
		obj, member, _ := strings.Cut(key, ".")
		if o := spec.Ocr().Objects[obj]; o != nil {
			if m, ok := o.Member(member); ok && m.Rule != nil {
				return m.Rule.Pixels
			}
		}
		return nil
	}
	for key, same := range tried {
		if rule(key) == nil {
			t.Errorf("%s has no pixel range", key)
		} else if same != "" && !reflect.DeepEqual(rule(key), rule(same)) {
			t.Errorf("%s's range differs from %s's, which is the one tried", key, same)
		}
	}
	for name, obj := range spec.Ocr().Objects {
		for _, m := range obj.Members {
			if _, ok := tried[name+"."+m.Name]; m.Rule != nil && m.Rule.Pixels != nil && !ok {
				t.Errorf("%s.%s has a pixel range no test tries", name, m.Name)
			}
		}
	}
}
