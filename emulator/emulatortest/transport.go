package emulatortest

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime/debug"
	"syscall"
)

// Transport returns an http.RoundTripper that serves requests with the
// emulator's handler directly, in memory: no socket, no port. Any host
// name is accepted, so an SDK can keep its real endpoint
// (faceid.tencentcloudapi.com, scheme https) and only swap the transport:
//
//	client := common.NewCommonClient(e.SDKCredential(), "ap-singapore", profile.NewClientProfile())
//	client.WithHttpTransport(e.Transport())
//
// Scripted transport faults behave as on the network: connection-reset
// returns an error matching syscall.ECONNRESET, truncated-body a response
// whose body ends with io.ErrUnexpectedEOF. The request's context cancels
// scripted latency.
func (e *Emulator) Transport() http.RoundTripper { return &transport{h: e.srv} }

type transport struct{ h http.Handler }

func (t *transport) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	var body []byte
	if req.Body != nil {
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	sreq := serverRequest(req, body)
	rec := httptest.NewRecorder()
	aborted, err := serve(t.h, rec, sreq)
	if err != nil {
		return nil, err
	}
	resp = rec.Result()
	resp.Request = req
	if aborted {
		if rec.Body.Len() == 0 && !rec.Flushed {
			return nil, &url.Error{Op: req.Method, URL: req.URL.String(),
				Err: &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}}
		}
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(rec.Body.Bytes()), errReader{io.ErrUnexpectedEOF}))
	}
	if req.Method == http.MethodHead {
		resp.Body = http.NoBody
	}
	return resp, nil
}

// serve runs the handler; aborted reports a handler that dropped the
// connection (http.ErrAbortHandler), err any other panic.
func serve(h http.Handler, w http.ResponseWriter, r *http.Request) (aborted bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				aborted = true
				return
			}
			err = fmt.Errorf("emulatortest: the emulator panicked: %v\n%s", v, debug.Stack())
		}
	}()
	h.ServeHTTP(w, r)
	return false, nil
}

// serverRequest turns a client request into what a server handler sees.
func serverRequest(req *http.Request, body []byte) *http.Request {
	sreq := req.Clone(req.Context())
	sreq.Body = io.NopCloser(bytes.NewReader(body))
	sreq.GetBody = nil
	sreq.ContentLength = int64(len(body))
	sreq.Host = req.Host
	if sreq.Host == "" {
		sreq.Host = req.URL.Host
	}
	sreq.RequestURI = req.URL.RequestURI()
	sreq.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	sreq.Proto, sreq.ProtoMajor, sreq.ProtoMinor = "HTTP/1.1", 1, 1
	sreq.RemoteAddr = "127.0.0.1:1"
	sreq.Close = false
	if req.URL.Scheme == "https" {
		host, _, err := net.SplitHostPort(sreq.Host)
		if err != nil {
			host = sreq.Host
		}
		sreq.TLS = &tls.ConnectionState{HandshakeComplete: true, ServerName: host}
	}
	if sreq.Header == nil {
		sreq.Header = http.Header{}
	}
	if sreq.Header.Get("User-Agent") == "" {
		sreq.Header.Set("User-Agent", "Go-http-client/1.1")
	}
	return sreq
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
