package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"

	"github.com/faceid-emulator/faceid-emulator/internal/regfile"
)

// maxPEMBytes bounds a certificate or key file (a long chain is a few KiB).
const maxPEMBytes = 1 << 20

// loadKeyPair is tls.LoadX509KeyPair reading only regular files of bounded
// size, so a FIFO or a device named by mistake fails at once.
func loadKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	certPEM, err := regfile.Read(certFile, maxPEMBytes)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("--tls-cert %s: %w", certFile, err)
	}
	keyPEM, err := regfile.Read(keyFile, maxPEMBytes)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("--tls-key %s: %w", keyFile, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("TLS certificate: %w", err)
	}
	return cert, nil
}

// listenTLS opens the HTTPS listener with the user's certificate, or with a
// self-signed one generated for --tls-hosts (written to --tls-write-cert so
// clients can trust it explicitly).
func listenTLS(c *config) (net.Listener, string, error) {
	var cert tls.Certificate
	var err error
	info := ""
	switch {
	case c.TLSCert != "" || c.TLSKey != "":
		if c.TLSCert == "" || c.TLSKey == "" {
			return nil, "", fmt.Errorf("--tls-cert and --tls-key go together")
		}
		cert, err = loadKeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, "", err
		}
		info = "  TLS: certificate " + c.TLSCert
	default:
		var certPEM []byte
		cert, certPEM, err = selfSigned(splitList(c.TLSHosts), time.Now())
		if err != nil {
			return nil, "", err
		}
		info = "  TLS: self-signed certificate for " + c.TLSHosts
		if c.TLSWriteCert != "" {
			if err := os.WriteFile(c.TLSWriteCert, certPEM, 0o644); err != nil {
				return nil, "", fmt.Errorf("--tls-write-cert: %w", err)
			}
			info += ", written to " + c.TLSWriteCert
		}
	}
	ln, err := tls.Listen("tcp", c.TLSAddr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, "", err
	}
	return ln, fmt.Sprintf("faceid-emulator listening on https://%s\n%s", dialAddr(ln.Addr().String()), info), nil
}

// selfSigned makes an ECDSA P-256 certificate valid for hosts (names and
// IPs) for one year from now, usable as its own CA.
func selfSigned(hosts []string, now time.Time) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "faceid-emulator", Organization: []string{"faceid-emulator"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	return cert, certPEM, err
}
