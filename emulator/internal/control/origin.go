package control

import (
	"net/http"
	"net/url"
	"strings"
)

// Cross-origin refusal. A web page on another origin can make the user's
// browser send POST /_emulator/reset or /_emulator/clock (a plain form or a
// no-cors fetch needs no preflight), so every state-changing route refuses a
// browser request that says it comes from elsewhere: an Origin header that
// is not the emulator's own, or Sec-Fetch-Site: cross-site. Requests without
// either header (curl, SDKs, test code) are not browser requests from a
// page and pass; the dashboard's are same-origin and pass.

// safeMethod reports the methods that change nothing.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// crossOrigin reports why r is a cross-origin browser request to refuse,
// or "" when it may go on.
func (h *Handler) crossOrigin(r *http.Request) string {
	if safeMethod(r.Method) || h.anyOrigin {
		return ""
	}
	// Sec-Fetch-Site is set by the browser and cannot be changed by a page;
	// same-origin is the dashboard itself, whose form posts carry "Origin:
	// null" (its pages send no referrer).
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin":
		return ""
	case "cross-site":
		return "a cross-site browser request (Sec-Fetch-Site: cross-site)"
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return ""
	}
	if h.allowedOrigins[strings.ToLower(origin)] {
		return ""
	}
	if u, err := url.Parse(origin); err == nil && u.Host != "" && h.ownHost(r, u.Host) {
		return ""
	}
	return "a browser request from origin " + origin
}

// ownHost reports whether host (from an Origin) names this emulator: the
// Host the request came to, the X-Forwarded-Host of a proxy in front, or
// the configured public URL's host.
func (h *Handler) ownHost(r *http.Request, host string) bool {
	for _, own := range []string{r.Host, r.Header.Get("X-Forwarded-Host"), h.publicHost} {
		if own != "" && strings.EqualFold(own, host) {
			return true
		}
	}
	return false
}

// setAllowedOrigins fills the origin allow-list from Config.
func (h *Handler) setAllowedOrigins(origins []string) {
	h.allowedOrigins = make(map[string]bool, len(origins))
	for _, o := range origins {
		o = strings.TrimSuffix(strings.TrimSpace(o), "/")
		if o == "*" {
			h.anyOrigin = true
		}
		if o != "" {
			h.allowedOrigins[strings.ToLower(o)] = true
		}
	}
	if u, err := url.Parse(h.cfg.PublicURL); err == nil {
		h.publicHost = u.Host
	}
}
