package actions

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api/params"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/media"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/model"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestSniffMedia(t *testing.T) {
	samples := media.Encode()
	for _, tc := range []struct {
		name string
		data string
		want MediaKind
	}{
		{"sample JPEG", samples.BestFrame, MediaImage},
		{"sample MP4", samples.Video, MediaVideo},
		{"JPEG header", "/9j/4AAQSkZJRgABAQ==", MediaImage},
		{"PNG", b64("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), MediaImage},
		{"BMP", b64("BM\x36\x00\x0c\x00\x00\x00"), MediaImage},
		{"AVI", b64("RIFF\x00\x00\x00\x00AVI LIST"), MediaVideo},
		{"FLV", b64("FLV\x01\x05\x00\x00\x00\x09"), MediaVideo},
		{"MOV", b64("\x00\x00\x00\x14ftypqt  "), MediaVideo},
		{"text", b64("hello, world, not an image"), MediaUnknown},
		{"GIF is not documented", b64("GIF89a\x01\x00\x01\x00"), MediaUnknown},
		{"short", "eA==", MediaUnknown},
		{"empty", "", MediaUnknown},
		{"not base64", "!!!!", MediaUnknown},
	} {
		if got := SniffMedia(tc.data); got != tc.want {
			t.Errorf("%s: SniffMedia = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestMediaRulesUseDocumentedCodes: every media rule's error code is one
// the action documents (catalog/api-errors.json), and every media rule is
// on a member of an action's request.
func TestMediaRulesUseDocumentedCodes(t *testing.T) {
	svc := spec.Faceid()
	n := 0
	for _, name := range svc.ActionNames {
		for _, m := range svc.Actions[name].Input.Members {
			r := m.Rule
			if r == nil || !strings.HasSuffix(r.Format, "-base64") {
				continue
			}
			n++
			if r.MediaError == "" {
				continue
			}
			e, ok := catalog.LookupAPIError(r.MediaError)
			if !ok {
				t.Errorf("%s.%s: mediaError %s not in the catalogue", name, m.Name, r.MediaError)
			} else if e.Actions != nil && !slices.Contains(e.Actions, name) {
				t.Errorf("%s.%s: mediaError %s is not documented for %s (%v)", name, m.Name, r.MediaError, name, e.Actions)
			}
		}
	}
	if n < 9 {
		t.Errorf("%d media rules, want at least 9", n)
	}
}

// TestValidateMedia: media members of the API-only actions are checked as
// documented: base64, size, then the file's format, with the action's code.
func TestValidateMedia(t *testing.T) {
	svc := spec.Faceid()
	samples := media.Encode()
	big := strings.Repeat("A", 3<<20+4)
	tests := []struct {
		action, body string
		code         string
		mentions     string
	}{
		{"CompareFaceLiveness", `{"ImageBase64":"` + samples.BestFrame + `","VideoBase64":"` + samples.Video + `","LivenessType":"SILENT"}`, "", ""},
		{"CompareFaceLiveness", `{"ImageBase64":"` + b64("not an image at all") + `","VideoBase64":"` + samples.Video + `","LivenessType":"SILENT"}`, catalog.InvalidParameterValue, "ImageBase64"},
		{"CompareFaceLiveness", `{"ImageBase64":"` + samples.BestFrame + `","VideoBase64":"` + samples.BestFrame + `","LivenessType":"SILENT"}`, catalog.InvalidParameterValue, "VideoBase64"},
		{"CompareFaceLiveness", `{"ImageBase64":"data:image/jpeg;base64,` + samples.BestFrame + `","VideoBase64":"` + samples.Video + `","LivenessType":"SILENT"}`, catalog.InvalidParameterValue, "base64"},
		{"CompareFaceLiveness", `{"ImageBase64":"` + big + `","VideoBase64":"` + samples.Video + `","LivenessType":"SILENT"}`, catalog.InvalidParameterValue, "3 MB"},
		{"CheckIdCardInformation", `{"ImageBase64":"` + b64("GIF89a not documented") + `"}`, "FailedOperation.ImageDecodeFailed", "ImageBase64"},
		{"CheckIdCardInformation", `{"ImageBase64":"` + samples.BestFrame + `"}`, "", ""},
		{"CheckIdCardInformation", `{"ImageUrl":"ftp://x/y.jpg"}`, catalog.InvalidParameterValue, "ImageUrl"},
		{"IdCardOCRVerification", `{"ImageBase64":"` + b64("plain text") + `"}`, "FailedOperation.ImageDecodeFailed", "ImageBase64"},
		{"DetectAIFakeFaces", `{"FaceInput":"` + samples.Video + `","FaceInputType":2}`, "", ""},
		{"DetectAIFakeFaces", `{"FaceInput":"` + samples.BestFrame + `","FaceInputType":1}`, "", ""},
		{"DetectAIFakeFaces", `{"FaceInput":"` + b64("neither image nor video") + `","FaceInputType":1}`, "FailedOperation.ImageDecodeFailed", "FaceInput"},
		{"LivenessCompare", `{"LivenessType":"SILENT","ImageBase64":"` + samples.BestFrame + `","VideoBase64":"` + b64("RIFF....WAVEfmt ") + `"}`, "FailedOperation.LipVideoInvalid", "VideoBase64"},
		{"ImageRecognition", `{"IdCard":"x","Name":"y","ImageBase64":"` + b64("\x00\x01\x02 not an image") + `"}`, catalog.InvalidParameterValue, "ImageBase64"},
		{"ImageRecognitionV2", `{"IdCard":"x","Name":"y","ImageBase64":"` + samples.BestFrame + `"}`, "", ""},
	}
	for _, tc := range tests {
		action := svc.Actions[tc.action]
		req, _ := model.NewRequest(tc.action)
		if perr := params.DecodeJSON([]byte(tc.body), req); perr != nil {
			t.Errorf("%s: decode: %v", tc.action, perr)
			continue
		}
		err := Validate(action.Input, req)
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("%s %.80s: %v, want valid", tc.action, tc.body, err)
		case tc.code != "" && (err == nil || err.Code != tc.code):
			t.Errorf("%s %.80s: %v, want %s", tc.action, tc.body, err, tc.code)
		case err != nil && !strings.Contains(err.MessageIn(catalog.English), tc.mentions):
			t.Errorf("%s: message %q does not mention %q", tc.action, err.MessageIn(catalog.English), tc.mentions)
		}
	}
}
