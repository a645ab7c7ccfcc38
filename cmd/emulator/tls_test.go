package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The TLS files are read only when regular and bounded: /dev/zero as a
// certificate fails at once with a message naming the flag (issue 15's kin
// of `validate` on a FIFO).
func TestLoadKeyPairFileChecks(t *testing.T) {
	_, certPEM, err := selfSigned([]string{"localhost"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(cert, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ cert, key, want string }{
		{"/dev/zero", cert, "--tls-cert /dev/zero: not a regular file (a character device)"},
		{cert, "/dev/zero", "--tls-key /dev/zero: not a regular file (a character device)"},
		{cert, cert, "TLS certificate:"}, // regular, but no key in it
	}
	for _, tc := range cases {
		_, err := loadKeyPair(tc.cert, tc.key)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("loadKeyPair(%s, %s) = %v, want %q", tc.cert, tc.key, err, tc.want)
		}
	}
}
