package webhook

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// Allow is where callbacks may go: host name patterns ("hooks.example.com",
// "*.example.com", "localhost") and CIDRs ("10.0.0.0/8", "127.0.0.1/32").
// The empty Allow lets every http(s) destination through, loopback
// included: laptops and CI receive callbacks on 127.0.0.1.
type Allow struct {
	names    []string // lower case; "*." prefix = any subdomain
	prefixes []netip.Prefix
	any      bool
}

// ParseAllow parses the comma-separated setting; "" or "*" allow every
// destination.
func ParseAllow(s string) (*Allow, error) {
	a := &Allow{}
	for _, item := range strings.Split(s, ",") {
		item = strings.ToLower(strings.TrimSpace(item))
		switch {
		case item == "":
			continue
		case item == "*":
			a.any = true
		case strings.Contains(item, "/"):
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("webhook allow %q: not a CIDR: %v", item, err)
			}
			a.prefixes = append(a.prefixes, p.Masked())
		default:
			if ip, err := netip.ParseAddr(strings.Trim(item, "[]")); err == nil {
				a.prefixes = append(a.prefixes, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
				continue
			}
			host := strings.TrimPrefix(item, "*.")
			if host == "" || strings.ContainsAny(host, "*:/ ") {
				return nil, fmt.Errorf("webhook allow %q: want a host name, *.domain or a CIDR", item)
			}
			a.names = append(a.names, item)
		}
	}
	if len(a.names) == 0 && len(a.prefixes) == 0 {
		a.any = true
	}
	return a, nil
}

// String is the setting as parsed.
func (a *Allow) String() string {
	if a.any {
		return "*"
	}
	out := append([]string(nil), a.names...)
	for _, p := range a.prefixes {
		out = append(out, p.String())
	}
	return strings.Join(out, ",")
}

// checkURL checks a callback URL before anything is sent: http or https,
// a host, and the host allowed by name or as an address. byName reports a
// host allowed by its name (its addresses are then not checked again); a
// name that no pattern names is left to the dial-time check of its
// resolved addresses (checkIP).
func (a *Allow) checkURL(raw string) (u *url.URL, byName bool, err error) {
	u, err = url.Parse(raw)
	if err != nil {
		return nil, false, fmt.Errorf("not a URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, false, fmt.Errorf("scheme %q: callbacks go to http or https URLs only", u.Scheme)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return nil, false, fmt.Errorf("no host in %q", raw)
	}
	if a.any {
		return u, true, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if a.ipAllowed(ip) {
			return u, false, nil
		}
		return nil, false, fmt.Errorf("address %s is not allowed by the webhook allow setting", ip)
	}
	for _, n := range a.names {
		if n == host || strings.HasPrefix(n, "*.") && strings.HasSuffix(host, n[1:]) {
			return u, true, nil
		}
	}
	if len(a.prefixes) == 0 {
		return nil, false, fmt.Errorf("host %s is not allowed by the webhook allow setting", host)
	}
	return u, false, nil
}

func (a *Allow) ipAllowed(ip netip.Addr) bool {
	if a.any {
		return true
	}
	ip = ip.Unmap()
	for _, p := range a.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// checkIP is the dial-time check of a resolved address (a name that
// resolves to an address outside the setting is refused).
func (a *Allow) checkIP(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("unresolved address %q", addr)
	}
	if !a.ipAllowed(ip) {
		return fmt.Errorf("address %s is not allowed by the webhook allow setting", ip)
	}
	return nil
}
