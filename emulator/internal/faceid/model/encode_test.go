package model

import (
	"encoding/json"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// The hand-written encoders give json.Marshal's bytes; a field added to
// the generated structs, or reordered, fails here.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	odd := "<a href=\"x\">&\u2028\xff"
	models := []interface {
		AppendJSON([]byte) ([]byte, bool)
	}{
		&ApplyWebVerificationBizTokenIntlResponse{},
		&ApplyWebVerificationBizTokenIntlResponse{VerificationUrl: "http://h/reflect/?token=T", BizToken: "T", VerificationURL: "http://h/reflect/?token=T", RequestId: "r"},
		&ApplyWebVerificationBizTokenIntlResponse{VerificationUrl: odd, BizToken: odd, VerificationURL: odd, RequestId: odd},
		&GetWebVerificationResultIntlResponse{RequestId: "r"},
		&GetWebVerificationResultIntlResponse{Extra: ptr("order 1"), RequestId: "r"},
		&GetWebVerificationResultIntlResponse{ErrorCode: ptr(int64(0)), ErrorMsg: ptr("Success"), VideoBase64: ptr("AAAA+/=="), BestFrameBase64: ptr("/9j/"), Extra: ptr(odd), RequestId: odd},
		&GetWebVerificationResultIntlResponse{ErrorCode: ptr(int64(-1)), ErrorMsg: ptr(""), Extra: ptr(""), RequestId: ""},
	}
	for _, m := range models {
		got, ok := m.AppendJSON([]byte("x"))
		if !ok {
			t.Fatalf("%T refused %+v", m, m)
		}
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "x"+string(want) {
			t.Errorf("%T:\n got %s\nwant %s", m, got[1:], want)
		}
	}
}

// A completed answer with details or OCR is left to encoding/json.
func TestGetAppendJSONDeclinesLists(t *testing.T) {
	for _, r := range []*GetWebVerificationResultIntlResponse{
		{VerificationDetailList: []VerificationDetail{}},
		{OCRResult: []OCRResult{{}}},
	} {
		if b, ok := r.AppendJSON([]byte("x")); ok || string(b) != "x" {
			t.Errorf("%+v: ok %v, %q", r, ok, b)
		}
	}
}
