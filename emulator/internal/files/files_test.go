package files

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/ids"
)

func newArea(t *testing.T) (*Area, *clock.Offset, *httptest.Server) {
	t.Helper()
	c := clock.NewOffset(clock.Fixed(time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)))
	a := New(c, ids.NewSource(), []File{{Name: "hello.txt", ContentType: "text/plain", Data: []byte("hello")}})
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return a, c, srv
}

func do(t *testing.T, method, url string, body []byte) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func TestUploadLifecycle(t *testing.T) {
	a, c, srv := newArea(t)
	link := a.NewUpload(srv.URL, "DetectReflectLivenessAndCompare")
	if want := c.Now().Add(UploadLifetime); !link.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", link.ExpiresAt, want)
	}
	if code, _, _ := do(t, http.MethodGet, link.ResourceURL, nil); code != http.StatusNotFound {
		t.Errorf("GET before the upload = %d, want 404", code)
	}
	payload := []byte("\xff\xd8\xff\xe0 a jpeg, or so")
	if code, body, _ := do(t, http.MethodPut, link.UploadURL, payload); code != http.StatusOK {
		t.Fatalf("PUT = %d %s", code, body)
	}
	code, got, h := do(t, http.MethodGet, link.ResourceURL, nil)
	if code != http.StatusOK || !bytes.Equal(got, payload) {
		t.Fatalf("GET = %d %q, want the uploaded bytes", code, got)
	}
	if h.Get("Content-MD5") != (File{Data: payload}).MD5() {
		t.Errorf("Content-MD5 = %q", h.Get("Content-MD5"))
	}
	data, ok, err := a.Resolve("http://another-name:1234" + strings.TrimPrefix(link.ResourceURL, srv.URL))
	if !ok || err != nil || !bytes.Equal(data, payload) {
		t.Errorf("Resolve under another host = %q %v %v, want the upload", data, ok, err)
	}
	if _, ok, _ := a.Resolve("https://example.com/x.jpg"); ok {
		t.Error("Resolve claimed a foreign URL")
	}

	c.Advance(UploadLifetime + time.Second)
	if code, _, _ := do(t, http.MethodGet, link.ResourceURL, nil); code != http.StatusNotFound && code != http.StatusGone {
		t.Errorf("GET after expiry = %d, want 410 or 404", code)
	}
	if code, _, _ := do(t, http.MethodPut, link.UploadURL, payload); code != http.StatusGone && code != http.StatusNotFound {
		t.Errorf("PUT after expiry = %d, want 410 or 404", code)
	}
}

func TestUploadBounds(t *testing.T) {
	a, _, srv := newArea(t)
	link := a.NewUpload(srv.URL, "x")
	big := bytes.Repeat([]byte{1}, MaxUpload+1)
	if code, _, _ := do(t, http.MethodPut, link.UploadURL, big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("PUT of %d bytes = %d, want 413", len(big), code)
	}
	for range MaxUploads + 10 {
		a.NewUpload(srv.URL, "x")
	}
	a.mu.Lock()
	n := len(a.uploads)
	a.mu.Unlock()
	if n > MaxUploads {
		t.Errorf("%d uploads kept, want at most %d", n, MaxUploads)
	}
	if code, _, _ := do(t, http.MethodPut, srv.URL+Prefix+"sample/hello.txt", []byte("x")); code != http.StatusMethodNotAllowed {
		t.Errorf("PUT on a built-in file = %d, want 405", code)
	}
	if code, _, _ := do(t, http.MethodDelete, link.UploadURL, nil); code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE = %d, want 405", code)
	}
}

func TestBuiltinFiles(t *testing.T) {
	a, _, srv := newArea(t)
	u, f, ok := a.URL(srv.URL, "hello.txt")
	if !ok {
		t.Fatal("no built-in hello.txt")
	}
	code, body, h := do(t, http.MethodGet, u, nil)
	if code != http.StatusOK || string(body) != "hello" || h.Get("Content-MD5") != f.MD5() {
		t.Errorf("GET %s = %d %q md5 %q", u, code, body, h.Get("Content-MD5"))
	}
	if code, _, _ := do(t, http.MethodGet, srv.URL+Prefix+"sample/nope", nil); code != http.StatusNotFound {
		t.Errorf("unknown file = %d, want 404", code)
	}
}
