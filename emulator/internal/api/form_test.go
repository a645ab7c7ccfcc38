package api

import (
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

var formSeeds = []string{
	"",
	"a=1&b=2&a=3",
	"Action=ApplyWebVerificationBizTokenIntl&RedirectURL=https%3A%2F%2Fm.example%2Fcb%3Fa%3D1&Extra=%C3%BCn+i&Config.CheckMode=1",
	"a;b=1&c=2",
	"=x&&y&z=",
	"k=%zz&ok=1&%4=2&p%41=%41",
	"plus=a+b&pct=%2B",
	"only",
	"x=" + strings.Repeat("A", 1000),
	// Around the shared arena's limits: values of 256 and 257 bytes, and
	// more small values than the arena holds.
	"a=" + strings.Repeat("%41", 256) + "&b=" + strings.Repeat("B", 257) + "&c=" + strings.Repeat("+", 256),
	strings.Repeat("v="+strings.Repeat("C", 250)+"&", 20) + "last=1",
}

// FuzzParseForm: ParseForm gives what url.ParseQuery gives, and no value
// points into the input.
func FuzzParseForm(f *testing.F) {
	for _, s := range formSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := url.ParseQuery(s)
		got := ParseForm(s)
		if len(want) == 0 && len(got) == 0 {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ParseForm(%q) = %v, url.ParseQuery = %v", s, got, want)
		}
		assertDetached(t, s, got)
	})
}

func assertDetached(t *testing.T, s string, v url.Values) {
	t.Helper()
	if len(s) == 0 {
		return
	}
	lo := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	hi := lo + uintptr(len(s))
	for k, vs := range v {
		for _, x := range vs {
			if len(x) == 0 {
				continue
			}
			p := uintptr(unsafe.Pointer(unsafe.StringData(x)))
			if p >= lo && p < hi {
				t.Fatalf("value %q of %q shares memory with the input", x, k)
			}
		}
	}
}

func TestParseFormTooManyParams(t *testing.T) {
	s := strings.Repeat("a=1&", maxFormParams) + "b=2"
	want, err := url.ParseQuery(s)
	if err == nil || len(want) != 0 {
		t.Fatalf("url.ParseQuery accepted %d params: the limit changed (%v, %d keys)", maxFormParams+1, err, len(want))
	}
	if got := ParseForm(s); len(got) != 0 {
		t.Errorf("ParseForm kept %d keys over the limit", len(got))
	}
	ok := strings.Repeat("a=1&", maxFormParams-1) + "b=2"
	if got := ParseForm(ok); len(got["a"]) != maxFormParams-1 || got.Get("b") != "2" {
		t.Errorf("ParseForm at the limit: %d a, b=%q", len(got["a"]), got.Get("b"))
	}
}

func TestReadBody(t *testing.T) {
	for _, c := range []struct {
		name     string
		body     string
		length   int64
		limit    int64
		want     string
		tooBig   bool
		capExact bool
	}{
		{"exact", "hello", 5, 10, "hello", false, true},
		{"at limit", "0123456789", 10, 10, "0123456789", false, true},
		{"announced over limit", "x", 11, 10, "", true, false},
		{"chunked under", "hello", -1, 10, "hello", false, false},
		{"chunked over", "01234567890", -1, 10, "", true, false},
		{"longer than announced", "0123456789", 3, 10, "0123456789", false, false},
		{"longer than announced, over", "01234567890", 3, 10, "", true, false},
		{"shorter than announced", "abc", 5, 10, "abc", false, false},
		{"empty", "", 0, 10, "", false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _ := newBodyRequest(c.body, c.length)
			got, tooBig, err := ReadBody(r, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			if tooBig != c.tooBig || string(got) != c.want {
				t.Fatalf("got %q tooBig %v, want %q %v", got, tooBig, c.want, c.tooBig)
			}
			if c.capExact && cap(got) != len(got)+1 {
				t.Errorf("cap %d for a %d-byte body of known length", cap(got), len(got))
			}
		})
	}
}

func newBodyRequest(body string, length int64) (*http.Request, error) {
	r, err := http.NewRequest(http.MethodPost, "http://x/", io.NopCloser(strings.NewReader(body)))
	if err != nil {
		return nil, err
	}
	r.ContentLength = length
	return r, nil
}
