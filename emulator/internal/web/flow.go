package web

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid"
)

// Steps of the page. start, privacy, document and verify follow the
// session's Config; failed and result are views reached by navigation.
const (
	stepStart    = "start"
	stepPrivacy  = "privacy"
	stepDocument = "document"
	stepVerify   = "verify"
	stepFailed   = "failed"
	stepResult   = "result"
)

// flowSteps returns the interactive steps of a session's page, in order.
func flowSteps(c faceid.WebConfig) []string {
	var s []string
	if !c.AutoSkipStartPage {
		s = append(s, stepStart)
	}
	if !c.SkipPrivacyPolicy {
		s = append(s, stepPrivacy)
	}
	if hasDocument(c) {
		s = append(s, stepDocument)
	}
	return append(s, stepVerify)
}

// hasDocument: CheckMode 1 (OCR + liveness + comparison) and 4 (OCR only)
// start with the document.
func hasDocument(c faceid.WebConfig) bool { return c.CheckMode == 1 || c.CheckMode == 4 }

// livenessRuns: every CheckMode but 4 (OCR only) runs liveness.
func livenessRuns(c faceid.WebConfig) bool { return c.CheckMode != 4 }

// compareRuns: CheckMode 1 and 2 compare the face with a photo.
func compareRuns(c faceid.WebConfig) bool { return c.CheckMode == 1 || c.CheckMode == 2 }

// nextStep returns the step after cur in the session's flow.
func nextStep(c faceid.WebConfig, cur string) string {
	steps := flowSteps(c)
	for i, s := range steps {
		if s == cur && i+1 < len(steps) {
			return steps[i+1]
		}
	}
	return stepVerify
}

// stepIndex returns the 1-based position of step in the flow, or 0.
func stepIndex(steps []string, step string) int {
	for i, s := range steps {
		if s == step {
			return i + 1
		}
	}
	return 0
}

// page serves GET /reflect/?token=T[&step=S][&outcome=N].
func (h *handler) page(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("token")
	if token == "" {
		h.renderError(w, r, http.StatusBadRequest, "notoken")
		return
	}
	// HEAD answers like GET but changes nothing: no page-opened event, no
	// auto completion, no shortcut.
	get := r.Method == http.MethodGet
	if q.Has("outcome") && get {
		h.shortcut(w, r, token, q.Get("outcome"))
		return
	}
	v, err := h.svc.Lookup(token)
	if err != nil {
		h.sessionError(w, r, token, err)
		return
	}
	step := q.Get("step")
	h.log.Debug("page", "token", token, "step", step, "status", v.Status)
	switch v.Status {
	case faceid.StatusExpired:
		h.render(w, r, http.StatusOK, h.expiredPage(v))
		return
	case faceid.StatusCompleted:
		if step == stepResult {
			h.render(w, r, http.StatusOK, h.resultPage(v))
		} else {
			h.render(w, r, http.StatusOK, h.completedPage(v))
		}
		return
	}
	if get {
		if v, err = h.svc.OpenPage(token); err != nil {
			h.sessionError(w, r, token, err)
			return
		}
		if v.Status != faceid.StatusPending {
			// The scenario completes on open (mode auto), or the link
			// expired in between: this request completed the session.
			h.log.Debug("page completed on open", "token", token, "status", v.Status)
			h.finished(w, r, v)
			return
		}
	}
	cfg := *v.Web.Config
	steps := flowSteps(cfg)
	switch {
	case v.AwaitingRetry && (step == "" || step == stepFailed):
		h.render(w, r, http.StatusOK, h.failedPage(v))
		return
	case stepIndex(steps, step) == 0:
		step = steps[0]
	}
	d := h.sessionPage(v, step, step)
	if step == stepPrivacy && q.Get("error") == "agree" {
		d.PrivacyError = true
	}
	h.render(w, r, http.StatusOK, d)
}

// finished answers the request that completed a session: with AutoSkip and
// a pass, straight to the merchant; otherwise the result page (or the
// expired page).
func (h *handler) finished(w http.ResponseWriter, r *http.Request, v faceid.View) {
	s := v.Web
	switch {
	case v.Status == faceid.StatusExpired:
		h.render(w, r, http.StatusOK, h.expiredPage(v))
	case s.Result != nil && s.Result.ErrorCode == catalog.ResultPass && s.Config.AutoSkip && toMerchant(w, s.RedirectURL, v.Session.Token):
		h.log.Debug("page auto-skip to merchant", "token", v.Session.Token)
	default:
		h.render(w, r, http.StatusOK, h.resultPage(v))
	}
}

// shortcut serves GET /reflect/?token=T&outcome=N: one attempt with N, the
// session ends with N, and the browser goes straight to the merchant.
func (h *handler) shortcut(w http.ResponseWriter, r *http.Request, token, raw string) {
	code, ok := parseCode(raw)
	if !ok {
		h.renderError(w, r, http.StatusBadRequest, "badcode")
		return
	}
	v, err := h.svc.Shortcut(token, code)
	h.log.Debug("page outcome shortcut", "token", token, "code", code, "err", err)
	switch {
	case errors.Is(err, faceid.ErrCompleted):
		// Nothing changes; the page says so.
		if v.Status == faceid.StatusExpired {
			h.render(w, r, http.StatusOK, h.expiredPage(v))
		} else {
			h.render(w, r, http.StatusOK, h.completedPage(v))
		}
		return
	case err != nil:
		h.sessionError(w, r, token, err)
		return
	}
	if !toMerchant(w, v.Web.RedirectURL, token) {
		h.render(w, r, http.StatusOK, h.resultPage(v))
	}
}

// step serves a POST to the page (or to /reflect/step): the form of every
// step. It answers with
// 303 to the next GET, or 302 to the merchant when the submission completed
// the session with a pass and AutoSkip is set.
func (h *handler) step(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		h.renderError(w, r, http.StatusForbidden, "forbidden")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, http.StatusBadRequest, "badform")
		return
	}
	f := r.PostForm
	token, step := f.Get("token"), f.Get("step")
	if token == "" {
		h.renderError(w, r, http.StatusBadRequest, "notoken")
		return
	}
	v, err := h.svc.Lookup(token)
	if err != nil {
		h.sessionError(w, r, token, err)
		return
	}
	h.log.Debug("page step", "token", token, "step", step, "code", f.Get("code"), "status", v.Status)
	if v.Status != faceid.StatusPending {
		seeOther(w, r, token, stepResult)
		return
	}
	cfg := *v.Web.Config
	switch step {
	case stepStart, stepDocument:
		seeOther(w, r, token, nextStep(cfg, step))
	case stepPrivacy:
		// The privacy-accept button carries agree=yes itself: one click
		// (or one POST) accepts, with or without JavaScript.
		if f.Get("agree") != "yes" {
			seeOther(w, r, token, stepPrivacy, "error", "agree")
			return
		}
		seeOther(w, r, token, nextStep(cfg, step))
	case stepFailed, stepVerify:
		if f.Get("action") == "retry" {
			seeOther(w, r, token, stepVerify)
			return
		}
		h.attempt(w, r, v, f)
	default:
		seeOther(w, r, token, "")
	}
}

// attempt records the outcome chosen on the verify step (or the failed
// step's exit button) and moves on.
func (h *handler) attempt(w http.ResponseWriter, r *http.Request, v faceid.View, f url.Values) {
	token := v.Session.Token
	var err error
	switch {
	case v.Scripted:
		// The scenario decides; a chosen code is ignored.
		v, err = h.svc.Attempt(token, nil)
	default:
		raw := f.Get("code")
		if raw == "other" {
			raw = f.Get("other")
		}
		code, ok := parseCode(raw)
		if !ok {
			h.renderError(w, r, http.StatusBadRequest, "badcode")
			return
		}
		if livenessRuns(*v.Web.Config) {
			v, err = h.svc.Attempt(token, &code)
		} else {
			// OCR only: no liveness attempt to record, no retry.
			v, err = h.svc.Shortcut(token, code)
		}
	}
	switch {
	case errors.Is(err, faceid.ErrCompleted):
		seeOther(w, r, token, stepResult)
		return
	case err != nil:
		h.sessionError(w, r, token, err)
		return
	}
	switch {
	case v.Status != faceid.StatusPending:
		s := v.Web
		if s.Result != nil && s.Result.ErrorCode == catalog.ResultPass && s.Config.AutoSkip && toMerchant(w, s.RedirectURL, token) {
			return
		}
		seeOther(w, r, token, stepResult)
	case v.AwaitingRetry:
		seeOther(w, r, token, stepFailed)
	default:
		seeOther(w, r, token, stepVerify)
	}
}

// sessionError renders the page for an error of the session API.
func (h *handler) sessionError(w http.ResponseWriter, r *http.Request, token string, err error) {
	switch {
	case errors.Is(err, faceid.ErrNotFound):
		h.notFound(w, r, fallbackLanguage, token)
	case isUnknownCode(err):
		h.renderError(w, r, http.StatusBadRequest, "badcode")
	default:
		h.log.Error("verification page", "err", err)
		h.renderError(w, r, http.StatusInternalServerError, "internal")
	}
}

// render writes a page with the security headers.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, d *pageData) {
	var buf bytes.Buffer
	if err := h.tmpl.Execute(&buf, d); err != nil {
		h.log.Error("render verification page", "page", d.Name, "err", err)
		securityHeaders(w, "")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	securityHeaders(w, d.formTarget)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// renderError renders an error page (in English: there is no session to
// take the language from). kind selects error.<kind>.title/lead.
func (h *handler) renderError(w http.ResponseWriter, r *http.Request, status int, kind string) {
	h.renderErrorIn(w, r, fallbackLanguage, status, kind)
}

// notFound renders the page of a token the emulator does not know. A token
// the store evicted to stay within EMULATOR_MAX_SESSIONS gets a page saying
// so (410 Gone), so that a load test's lost session does not look like a
// broken link.
func (h *handler) notFound(w http.ResponseWriter, r *http.Request, lang, token string) {
	if h.hub != nil && h.hub.WasEvicted(token) {
		h.renderErrorIn(w, r, lang, http.StatusGone, "evicted")
		return
	}
	h.renderErrorIn(w, r, lang, http.StatusNotFound, "notfound")
}

// renderErrorIn renders an error page in lang (the simulator page knows
// the language without a session).
func (h *handler) renderErrorIn(w http.ResponseWriter, r *http.Request, lang string, status int, kind string) {
	d := h.newPage(lang, defaultTheme, "error", "error")
	d.Title = "error." + kind + ".title"
	d.Lead = "error." + kind + ".lead"
	d.Status = status
	h.render(w, r, status, d)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
