package actions

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/media"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/model"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

func testMedia() Media {
	m := media.Encode()
	return Media{Image: m.BestFrame, Video: m.Video}
}

func render(t *testing.T, action string, req any, overrides map[string]any, ids ...string) map[string]any {
	t.Helper()
	a := spec.Faceid().Actions[action]
	newResp := func() any { r, _ := model.NewResponse(action); return r }
	tpl, err := buildTemplate(a, newResp, testMedia())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	out, err := tpl.render(newResp, answerInput{
		requestID: "req-1",
		request:   req,
		newID:     func() string { n++; return ids[n-1] },
		overrides: overrides,
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(out)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func TestDefaultAnswerFromExample(t *testing.T) {
	extra := "order-42"
	got := render(t, "GetFaceIdTokenIntl", &model.GetFaceIdTokenIntlRequest{Extra: &extra}, nil, "TOKEN-1")
	if got["RequestId"] != "req-1" {
		t.Errorf("RequestId = %v, want the call's", got["RequestId"])
	}
	if got["SdkToken"] != "TOKEN-1" {
		t.Errorf("SdkToken = %v, want a fresh one, not the example's", got["SdkToken"])
	}

	// Every member of the output model is there, even where the example
	// omits it.
	for _, m := range spec.Faceid().Actions["CompareFaceLiveness"].Output.Members {
		if _, ok := render(t, "CompareFaceLiveness", &model.CompareFaceLivenessRequest{}, nil)[m.Name]; !ok {
			t.Errorf("CompareFaceLiveness answer lacks %s", m.Name)
		}
	}

	// Truncated base64 placeholders become the real sample image.
	cmp := render(t, "CompareFaceLiveness", &model.CompareFaceLivenessRequest{}, nil)
	frame, _ := cmp["BestFrameBase64"].(string)
	raw, err := base64.StdEncoding.DecodeString(frame)
	if err != nil || len(raw) < 3 || raw[0] != 0xFF || raw[1] != 0xD8 {
		t.Errorf("BestFrameBase64 is not a JPEG (%d bytes, err %v)", len(raw), err)
	}
}

func TestAnswerEchoesAndOverrides(t *testing.T) {
	got := render(t, "GetFaceIdResultIntl", &model.GetFaceIdResultIntlRequest{}, map[string]any{"Result": "-1001", "Similarity": 12.5})
	if got["Result"] != "-1001" || got["Similarity"] != 12.5 {
		t.Errorf("overrides not applied: Result %v, Similarity %v", got["Result"], got["Similarity"])
	}
	// A scalar member of both the request and the response agrees with
	// the request.
	extra := "merchant-extra"
	resp := render(t, "ImageRecognitionV2", &model.ImageRecognitionV2Request{Extra: &extra}, nil)
	if resp["Extra"] != extra {
		t.Errorf("Extra = %v, want the request's %q echoed", resp["Extra"], extra)
	}
}

func TestAnswerRefusesOverridesOfTheWrongType(t *testing.T) {
	a := spec.Faceid().Actions["CompareFaceLiveness"]
	newResp := func() any { r, _ := model.NewResponse("CompareFaceLiveness"); return r }
	tpl, err := buildTemplate(a, newResp, testMedia())
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpl.render(newResp, answerInput{requestID: "r", newID: func() string { return "x" },
		overrides: map[string]any{"Sim": "high"}})
	if err == nil || !strings.Contains(err.Error(), "Sim") {
		t.Errorf("render with Sim as text = %v, want an error naming Sim", err)
	}
	_, err = tpl.render(newResp, answerInput{requestID: "r", newID: func() string { return "x" },
		overrides: map[string]any{"NoSuchMember": 1}})
	if err == nil {
		t.Error("render with an unknown member succeeded")
	}
}
