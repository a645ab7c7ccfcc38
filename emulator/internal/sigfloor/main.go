// Command sigfloor is the bench's second reference server
// (integration/bench): the bare net/http floor plus the emulator's own
// signature check, and nothing else. Between the floor and the emulator it
// splits the gap in two: what the mandatory check costs, and what is left
// for decoding, the session store, the journal, the request log and the
// envelope.
//
// It is not part of the product: the bench builds it next to the floor.
// Every path but "/" answers the floor's fixed JSON (health included). On
// "/" it reads the body, verifies the TC3 (Authorization header) or legacy
// v1 (form body) signature with the default credential and answers the
// fixed JSON, or an error envelope when the signature does not verify, so
// that a misconfigured load fails the bench instead of measuring errors.
package main

import (
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/signature"
)

// body is the floor's answer, byte for byte; refused is the answer to a
// request whose signature does not verify.
var (
	body    = []byte(`{"Response":{"BizToken":"3F2504E0-4F89-11D3-9A0C-0305E82C3301","VerificationURL":"http://127.0.0.1/reflect/?token=3F2504E0-4F89-11D3-9A0C-0305E82C3301","RequestId":"7b1f6c3e-2a4d-4e0b-9d51-3c1a1f0e8b2a"}}`)
	refused = []byte(`{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"sigfloor: the signature does not verify"},"RequestId":"7b1f6c3e-2a4d-4e0b-9d51-3c1a1f0e8b2a"}}`)
)

// The server timeouts of the emulator and the floor.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 120 * time.Second
)

func main() {
	ln, err := net.Listen("tcp", os.Getenv("SIGFLOOR_ADDR"))
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	cred := emulator.DefaultCredential()
	v := signature.New(signature.Config{
		Credentials: []signature.Credential{{SecretID: cred.SecretID, SecretKey: cred.SecretKey}},
		MaxSkew:     emulator.DefaultMaxClockSkew,
	})
	srv := &http.Server{Handler: handler(v), ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout, IdleTimeout: idleTimeout}
	_ = srv.Serve(ln)
}

func handler(v *signature.Verifier) http.Handler {
	bodyLen, refusedLen := strconv.Itoa(len(body)), strconv.Itoa(len(refused))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The gateway's own body reader and form parser: the check costs
		// here what it costs in the emulator.
		raw, tooBig, err := api.ReadBody(r, api.MaxTC3PostBytes)
		answer, answerLen := body, bodyLen
		if r.URL.Path == "/" {
			req := &signature.Request{Method: r.Method, Host: r.Host, RawQuery: r.URL.RawQuery, Header: r.Header, Body: raw}
			if len(r.Header["Authorization"]) == 0 {
				// v1: the signature covers the decoded form.
				req.Params = api.ParseForm(string(raw))
			}
			if _, f := v.Verify(req); tooBig || err != nil || f != nil {
				answer, answerLen = refused, refusedLen
			}
		}
		hd := w.Header()
		hd.Set("Content-Type", "application/json")
		hd.Set("Content-Length", answerLen)
		_, _ = w.Write(answer)
	})
}
