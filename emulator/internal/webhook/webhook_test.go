package webhook

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestAllow(t *testing.T) {
	for _, tc := range []struct {
		setting, url string
		ok, byName   bool
	}{
		{"", "http://127.0.0.1:9/x", true, true},
		{"*", "https://hooks.example.com/x", true, true},
		{"", "ftp://127.0.0.1/x", false, false},
		{"", "http:///nohost", false, false},
		{"hooks.example.com", "https://hooks.example.com/cb", true, true},
		{"hooks.example.com", "https://evil.example.com/cb", false, false},
		{"*.example.com", "https://a.b.example.com/cb", true, true},
		{"*.example.com", "https://example.org/cb", false, false},
		{"10.0.0.0/8", "http://10.1.2.3/cb", true, false},
		{"10.0.0.0/8", "http://127.0.0.1/cb", false, false},
		// A name no pattern names is left to the dial-time address check.
		{"10.0.0.0/8", "http://localhost/cb", true, false},
		{"127.0.0.1", "http://127.0.0.1:8080/cb", true, false},
		{"::1", "http://[::1]:8080/cb", true, false},
	} {
		a, err := ParseAllow(tc.setting)
		if err != nil {
			t.Fatalf("ParseAllow(%q): %v", tc.setting, err)
		}
		_, byName, err := a.checkURL(tc.url)
		if (err == nil) != tc.ok || (err == nil && byName != tc.byName) {
			t.Errorf("allow %q, url %q: err %v byName %v; want ok %v byName %v", tc.setting, tc.url, err, byName, tc.ok, tc.byName)
		}
	}
	for _, bad := range []string{"10.0.0.0/99", "*.", "a b", "http://x"} {
		if _, err := ParseAllow(bad); err == nil {
			t.Errorf("ParseAllow(%q) accepted", bad)
		}
	}
	a, _ := ParseAllow("10.0.0.0/8")
	if err := a.checkIP("127.0.0.1:80"); err == nil {
		t.Error("checkIP let 127.0.0.1 through a 10.0.0.0/8 setting")
	}
	if err := a.checkIP("10.9.9.9:80"); err != nil {
		t.Errorf("checkIP refused 10.9.9.9: %v", err)
	}
}

// TestCloseStopsRetries: a delivery waiting for its retry is not sent
// after Close, and Close returns while an attempt hangs.
func TestCloseStopsRetries(t *testing.T) {
	var hits atomic.Int32
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		select {
		case <-r.Context().Done():
		case <-hang:
		}
	}))
	defer srv.Close()
	defer close(hang)
	d := New(Config{Timeout: 10 * time.Second, Backoff: []time.Duration{time.Hour}})
	d.Send(Message{URL: srv.URL, Token: "T", Body: []byte(`{}`)})
	deadline := time.Now().Add(10 * time.Second)
	for {
		list := d.List("T")
		if len(list) == 1 && list[0].Status == StatusRetrying {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no retry scheduled: %+v", list)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A second delivery hangs in its attempt; Close must abort it.
	d.Send(Message{URL: srv.URL, Token: "U", Body: []byte(`{}`)})
	for hits.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	done := make(chan struct{})
	go func() { d.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return while an attempt hung")
	}
	if got := d.Send(Message{URL: srv.URL, Token: "V", Body: []byte(`{}`)}); got.Status != StatusDropped {
		t.Errorf("send after Close: %s, want dropped", got.Status)
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}
