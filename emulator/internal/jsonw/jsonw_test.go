package jsonw

import (
	"encoding/json"
	"testing"
)

var samples = []string{
	"", "plain", "http://127.0.0.1:8080/reflect/?token=3F2504E0-4F89-11D3-9A0C-0305E82C3301",
	`quote"`, `back\slash`, "<script>&amp;", "tab\t", "nl\n", "\x00", "\x7f", "ümlaut", "中文",
	"\u2028\u2029", "bad\xffutf8", "\ufffd", "emoji😀",
}

func TestStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range samples {
		want, _ := json.Marshal(s)
		if got := String(nil, s); string(got) != string(want) {
			t.Errorf("String(%q) = %s, json.Marshal = %s", s, got, want)
		}
	}
}

func TestPointers(t *testing.T) {
	s, n := "x<", int64(-42)
	for _, c := range []struct {
		got  []byte
		want any
	}{
		{StringPtr(nil, nil), (*string)(nil)},
		{StringPtr(nil, &s), &s},
		{Int64Ptr(nil, nil), (*int64)(nil)},
		{Int64Ptr(nil, &n), &n},
	} {
		want, _ := json.Marshal(c.want)
		if string(c.got) != string(want) {
			t.Errorf("got %s, want %s", c.got, want)
		}
	}
}

func FuzzString(f *testing.F) {
	for _, s := range samples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := String([]byte("prefix"), s); string(got) != "prefix"+string(want) {
			t.Fatalf("String(%q) = %s, json.Marshal = %s", s, got[6:], want)
		}
	})
}
