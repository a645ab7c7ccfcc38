package actions

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	_ "image/jpeg" // the sample best frames are JPEGs
	_ "image/png"
	"strings"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/model"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

func newResponseOf(action string) func() any {
	return func() any {
		r, _ := model.NewResponse(action)
		return r
	}
}

// defaultAnswer renders the default answer of action as a JSON object.
func defaultAnswer(t *testing.T, action *spec.Action) map[string]any {
	t.Helper()
	tm, err := buildTemplate(action, newResponseOf(action.Name), testMedia())
	if err != nil {
		t.Fatalf("template: %v", err)
	}
	n := 0
	resp, err := tm.render(newResponseOf(action.Name), answerInput{requestID: "req", newID: func() string { n++; return "ID" + string(rune('A'+n)) }})
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDefaultAnswerIsPass: every action with a result table answers its
// pass code by default, even where Tencent's first example is a failure
// (CheckIdCardInformation) or no example passes (DetectAIFakeFaces).
func TestDefaultAnswerIsPass(t *testing.T) {
	svc := spec.Faceid()
	flows := catalog.APIOnlyFlows()
	if len(flows) < 17 {
		t.Fatalf("%d API-only flow tables, want at least 17", len(flows))
	}
	for _, f := range flows {
		t.Run(f.Key, func(t *testing.T) {
			action := svc.Actions[f.Actions[0]]
			if action == nil {
				t.Fatalf("flow %s names action %s, not in the spec", f.Key, f.Actions[0])
			}
			got := defaultAnswer(t, action)
			if code := codeText(mustJSON(t, got[f.Field])); code != f.Pass().Code {
				t.Errorf("%s = %s, want the pass code %q", f.Field, code, f.Pass().Code)
			}
			if f.MessageField != "" {
				if msg, _ := got[f.MessageField].(string); msg == "" {
					t.Errorf("%s empty on a pass", f.MessageField)
				}
			}
			for _, m := range action.Output.Members {
				if m.Type == "list" && f.Key == "DetectAIFakeFaces" {
					if l, _ := got[m.Name].([]any); len(l) != 0 {
						t.Errorf("%s = %v on a pass, want []", m.Name, l)
					}
				}
			}
		})
	}
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDefaultAnswerMediaAreReal: in every action's default answer, every
// string holding base64 data (BestFrameBase64, BestFrameList items,
// Portrait, Video, ...) decodes into a real file: a JPEG or PNG that image
// decodes, or an MP4; no truncated placeholder of Tencent's examples is left.
func TestDefaultAnswerMediaAreReal(t *testing.T) {
	svc := spec.Faceid()
	checked := 0
	for _, name := range svc.ActionNames {
		action := svc.Actions[name]
		got := defaultAnswer(t, action)
		walkStrings(got, name, func(path, s string) {
			if strings.Contains(s, "...") && !strings.Contains(s, " ") {
				t.Errorf("%s: truncated placeholder %.40q left", path, s)
				return
			}
			if len(s) < 64 || !ValidBase64(s) {
				return
			}
			checked++
			raw, _ := base64.StdEncoding.DecodeString(s)
			switch SniffMedia(s) {
			case MediaImage:
				if _, _, err := image.Decode(bytes.NewReader(raw)); err != nil {
					t.Errorf("%s: image does not decode: %v", path, err)
				}
			case MediaVideo:
				if len(raw) < 12 || string(raw[4:8]) != "ftyp" {
					t.Errorf("%s: video is not an MP4", path)
				}
			default:
				t.Errorf("%s: base64 of %d bytes that is neither an image nor a video", path, len(raw))
			}
		})
	}
	// CompareFaceLiveness, LivenessCompare (2 + list), CheckIdCardInformation,
	// GetFaceIdResultIntl (3) at least.
	if checked < 7 {
		t.Errorf("only %d media members checked", checked)
	}
}

func walkStrings(v any, path string, f func(path, s string)) {
	switch x := v.(type) {
	case string:
		f(path, x)
	case map[string]any:
		for k, e := range x {
			walkStrings(e, path+"."+k, f)
		}
	case []any:
		for i, e := range x {
			walkStrings(e, path+"."+string(rune('0'+i%10)), f)
		}
	}
}
