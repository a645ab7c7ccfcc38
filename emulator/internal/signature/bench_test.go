package signature

import (
	"strings"
	"testing"
)

func benchRequest(b *testing.B, sdkCase string) *Request {
	for _, vec := range loadVectors(b) {
		if vec.SDKCase == sdkCase {
			return vec.request(b, true)
		}
	}
	b.Fatalf("no vector %s", sdkCase)
	return nil
}

func benchVerify(b *testing.B, r *Request) {
	v := vectorVerifier()
	if _, f := v.Verify(r); f != nil {
		b.Fatal(f)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, f := v.Verify(r); f != nil {
			b.Fatal(f)
		}
	}
}

// BenchmarkVerifyTC3POST: the Go SDK's default request.
func BenchmarkVerifyTC3POST(b *testing.B) { benchVerify(b, benchRequest(b, "go-intl-tc3-POST")) }

// BenchmarkVerifyV1POST: the Node SDK's default request (HmacSHA256 form).
func BenchmarkVerifyV1POST(b *testing.B) {
	benchVerify(b, benchRequest(b, "node-default(HmacSHA256 v1 POST)"))
}

// BenchmarkVerifyTC3POSTNode: the second host candidate (port stripped).
func BenchmarkVerifyTC3POSTNode(b *testing.B) { benchVerify(b, benchRequest(b, "node-tc3-POST")) }

// BenchmarkVerifyTC3POST1MB: a large body, where hashing dominates.
func BenchmarkVerifyTC3POST1MB(b *testing.B) {
	body := []byte(`{"CompareImageBase64":"` + strings.Repeat("A", 1<<20) + `"}`)
	benchVerify(b, tc3Request("POST", "127.0.0.1:18080", "127.0.0.1:18080", "", "application/json", body, "faceid"))
}

// benchVerifyParallel verifies r from every core at once (the verifier's
// key cache and scratch pool under contention).
func benchVerifyParallel(b *testing.B, r *Request) {
	v := vectorVerifier()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, f := v.Verify(r); f != nil {
				b.Error(f)
				return
			}
		}
	})
}

func BenchmarkVerifyTC3POSTParallel(b *testing.B) {
	benchVerifyParallel(b, benchRequest(b, "go-intl-tc3-POST"))
}

func BenchmarkVerifyV1POSTParallel(b *testing.B) {
	benchVerifyParallel(b, benchRequest(b, "node-default(HmacSHA256 v1 POST)"))
}

// BenchmarkVerifyTC3SignatureFailure: the cost of a rejected request,
// diagnostics included.
func BenchmarkVerifyTC3SignatureFailure(b *testing.B) {
	r := benchRequest(b, "go-intl-tc3-POST")
	r.Host = "other:1"
	v := vectorVerifier()
	b.ReportAllocs()
	for b.Loop() {
		if _, f := v.Verify(r); f == nil {
			b.Fatal("accepted")
		}
	}
}
