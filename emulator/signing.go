package emulator

import (
	"net/url"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/signature"
)

// Signing helpers for tools and tests that must produce signed requests
// without an SDK (the load generator, the bad-input catalogue). They are the
// verifier's own signers, exported from the internal signature package.

// AuthorizationTC3 returns the Authorization header value the SDKs would
// send for a TC3-HMAC-SHA256 request signing "content-type;host". Send
// X-TC-Timestamp = timestamp with it; rawQuery is signed only for GET.
func AuthorizationTC3(secretID, secretKey, method, host, rawQuery, contentType string, body []byte, timestamp int64, service string) string {
	return signature.AuthorizationTC3(secretID, secretKey, method, host, rawQuery, contentType, body, timestamp, service)
}

// SignV1 returns the base64 legacy (v1) signature of a request whose
// parameters are params (without Signature). signatureMethod "HmacSHA256"
// selects HMAC-SHA256, anything else HMAC-SHA1, as the server decides.
// host is the Host header including any port.
func SignV1(secretKey, signatureMethod, method, host string, params url.Values) string {
	return signature.SignV1(secretKey, signature.Scheme(signatureMethod), method, host, params)
}

// V1Request describes a legacy-signature request; its Signed method returns
// every parameter, Signature included (HmacSHA256).
type V1Request = signature.V1Request
