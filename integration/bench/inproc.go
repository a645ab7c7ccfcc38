package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// discard is a ResponseWriter that keeps only the status and the body.
type discard struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (d *discard) Header() http.Header { return d.h }
func (d *discard) WriteHeader(s int)   { d.status = s }
func (d *discard) Write(b []byte) (int, error) {
	if d.status == 0 {
		d.status = 200
	}
	return d.body.Write(b)
}

func (d *discard) reset() {
	clear(d.h)
	d.status = 0
	d.body.Reset()
}

func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// heapPerSession creates n sessions through emulator.New's handler (the
// whole gateway: signature, decoding, journal, store) and returns the heap
// retained per session after GC. imageBytes > 0 adds a CompareImageBase64
// of that size to every Apply (the default scenario does not echo it, so
// it must not be kept).
func heapPerSession(n, imageBytes int, v1 bool) (float64, error) {
	srv, err := emulator.New(emulator.Options{})
	if err != nil {
		return 0, err
	}
	defer srv.Close()
	const host = "127.0.0.1:8780"
	params := map[string]any{"RedirectURL": "https://merchant.example/callback", "Extra": "bench-order-0000000001"}
	if imageBytes > 0 {
		params["CompareImageBase64"] = strings.Repeat("QUJD", imageBytes/4)
	}
	body, _ := json.Marshal(params)
	ts := time.Now().Unix()
	auth := emulator.AuthorizationTC3(emulator.DefaultSecretID, emulator.DefaultSecretKey, "POST", host, "", "application/json", body, ts, "faceid")
	hdr := http.Header{
		"Content-Type":       {"application/json"},
		"Authorization":      {auth},
		"X-Tc-Action":        {actionApply},
		"X-Tc-Version":       {apiVersion},
		"X-Tc-Timestamp":     {fmt.Sprint(ts)},
		"X-Tc-Region":        {region},
		"X-Tc-Language":      {"en-US"},
		"X-Tc-Requestclient": {"SDK_GO_bench"},
	}
	if v1 {
		form := url.Values{}
		for k, v := range params {
			form.Set(k, v.(string))
		}
		s := signer{cred: emulator.DefaultCredential(), host: host}
		raw := s.v1(actionApply, form)
		_, b, _ := strings.Cut(string(raw), "\r\n\r\n")
		body = []byte(b)
		hdr = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	}
	w := &discard{h: http.Header{}}
	serve := func() error {
		r, _ := http.NewRequest(http.MethodPost, "http://"+host+"/", io.NopCloser(bytes.NewReader(body)))
		r.ContentLength = int64(len(body))
		r.Header = hdr.Clone()
		w.reset()
		srv.ServeHTTP(w, r)
		if w.status != 200 || bytes.Contains(w.body.Bytes(), []byte(`"Error":`)) {
			return fmt.Errorf("in-process Apply failed: %s", truncate(w.body.Bytes(), 300))
		}
		return nil
	}
	// Fill the request journal (bounded ring) first so that its records are
	// in the baseline, not counted against sessions.
	for i := 0; i < 1100; i++ {
		if err := serve(); err != nil {
			return 0, err
		}
	}
	before := heapAfterGC()
	for i := 0; i < n; i++ {
		if err := serve(); err != nil {
			return 0, err
		}
	}
	after := heapAfterGC()
	runtime.KeepAlive(srv)
	return (float64(after) - float64(before)) / float64(n), nil
}
