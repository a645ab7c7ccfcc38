package web

import (
	"net/url"
	"regexp"
	"strings"
)

// redirectTarget returns the merchant's RedirectURL with the BizToken
// spliced in the way the real service does it: "?token=<BizToken>", or
// "&token=<BizToken>" when the URL already has a query, inserted before any
// "#fragment". It refuses anything but an absolute http or https URL with a
// host (Apply validated the URL; this is a second guard, since the result
// is used as a Location header and as a link).
func redirectTarget(raw, token string) (string, bool) {
	if _, ok := redirectOrigin(raw); !ok {
		return "", false
	}
	base, frag, hasFrag := strings.Cut(raw, "#")
	sep := "?"
	switch {
	case strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&"):
		sep = ""
	case strings.Contains(base, "?"):
		sep = "&"
	}
	out := base + sep + "token=" + url.QueryEscape(token)
	if hasFrag {
		out += "#" + frag
	}
	return out, true
}

// cspHost is what a host may look like to be written into the
// Content-Security-Policy: a DNS name or IPv4 address with an optional port.
// Anything else (IPv6 literals, odd characters) is left out of the policy
// rather than risk a malformed or widened header.
var cspHost = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?$`)

// redirectOrigin returns the origin (scheme://host[:port]) of an absolute
// http or https URL, and whether the URL is acceptable as a redirect target.
func redirectOrigin(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	return scheme + "://" + strings.ToLower(u.Host), true
}

// cspOrigin returns the origin of raw when it can be written safely into a
// CSP source list, or "".
func cspOrigin(raw string) string {
	o, ok := redirectOrigin(raw)
	if !ok {
		return ""
	}
	host := o[strings.Index(o, "://")+3:]
	if !cspHost.MatchString(host) {
		return ""
	}
	return o
}
