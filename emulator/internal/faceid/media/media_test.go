package media

import (
	"bytes"
	"encoding/base64"
	"image/jpeg"
	"testing"
)

func TestSamplesDecode(t *testing.T) {
	s := Encode()
	for name, b64 := range map[string]string{"bestframe": s.BestFrame, "card": s.Card, "cardcut": s.CardCut, "portrait": s.Portrait} {
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := jpeg.Decode(bytes.NewReader(raw)); err != nil {
			t.Errorf("%s is not a JPEG: %v", name, err)
		}
	}
	raw, _ := base64.StdEncoding.DecodeString(s.Video)
	if len(raw) < 12 || string(raw[4:12]) != "ftypisom" {
		t.Errorf("video does not start with an ftyp isom box: % x", raw[:12])
	}
}
