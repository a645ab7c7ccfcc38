package web

// The SDK simulator page: GET /sdk/?token=<token> for a session of any SDK
// flow (selfie, ekyc, liveness, reflect: see flow.SDKTable). A real
// session of these flows is finished by the eKYC SDK inside a mobile app,
// which no test can run; this page stands in for it. It shows the session
// (flow, token, status, scenario, the parameters its Apply set) and one
// button per documented result code of the flow's table, grouped by
// category, pass first, plus "use the session's scenario". A button is a
// form POST to the same path that completes the session through the flow's
// own Complete ({"Result":"<code>"} or {}), answered with 303 to the result
// page (post/redirect/get), so it works without JavaScript and from any
// HTTP client.
//
// It shares the verification page's look (stylesheet, default theme,
// layout), its five languages (?lang=, else Accept-Language), its strict
// Content-Security-Policy and its escaping: every value shown comes from a
// session or the catalogue and goes through html/template.

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
)

// Paths of the simulator page.
const (
	simPath       = flow.SimulatorPath
	simAssetsPath = flow.SimulatorPath + "assets/"
)

// Bounds of what the page shows from a session's rendering: a flow may
// render large values (a base64 image), and the page must stay small.
const (
	maxParams     = 40
	maxParamValue = 160
	// maxToken bounds a token (flows make 36-character UUIDs).
	maxToken = 128
)

// simData is what the simulator pages show of a session.
type simData struct {
	Kind, FlowName string
	// Actions is "apply → result" from the table; ResultAction the
	// action whose answer the result page shows.
	Actions, ResultAction string
	Token                 string
	Status                string // pending, completed or expired
	Scenario              string
	Params                []param
	Groups                []simGroup
	// Result is the session's result as the flow's result action now
	// answers it (nil while pending, or when the flow renders none).
	Result *simResult
}

type param struct{ Name, Value string }

type simGroup struct {
	Label string // key
	Codes []catalog.FlowResult
}

type simResult struct {
	Code, Message string
	Pass          bool
}

// languageMatcher picks the page language from Accept-Language; the order
// of its tags is the order of languages.
func newLanguageMatcher() language.Matcher {
	tags := make([]language.Tag, len(languages))
	for i, l := range languages {
		tags[i] = language.MustParse(l.Tag)
	}
	return language.NewMatcher(tags)
}

// simLanguage is the page language: ?lang= (or the form's lang) when it is
// one of the five codes, else the best match of Accept-Language, else
// English.
func (h *handler) simLanguage(r *http.Request, explicit string) string {
	explicit = strings.ToLower(strings.TrimSpace(explicit))
	for _, l := range languages {
		if explicit == l.Code || explicit == strings.ToLower(l.Tag) {
			return l.Code
		}
	}
	accept := r.Header.Get("Accept-Language")
	if accept == "" || len(accept) > 512 {
		return fallbackLanguage
	}
	prefs, _, err := language.ParseAcceptLanguage(accept)
	if err != nil || len(prefs) == 0 {
		return fallbackLanguage
	}
	_, i, conf := h.langs.Match(prefs...)
	if conf == language.No {
		return fallbackLanguage
	}
	return languages[i].Code
}

// simulator serves GET/HEAD/POST /sdk/.
func (h *handler) simulator(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		h.simPost(w, r)
		return
	}
	q := r.URL.Query()
	lang := h.simLanguage(r, q.Get("lang"))
	token := q.Get("token")
	sess, f, table, ok := h.simSession(w, r, lang, token)
	if !ok {
		return
	}
	view := q.Get("view")
	if r.Method == http.MethodGet && f.Status(sess) == flow.StatusPending {
		// The page opening is an event of the session (HEAD changes
		// nothing): a scenario that completes "auto" completes now, and
		// this request shows its result.
		opened, err := h.hub.Open(token)
		if err != nil {
			h.simError(w, r, lang, token, err)
			return
		}
		if sess = opened; f.Status(sess) == flow.StatusCompleted {
			view = "result"
		}
	}
	d := h.simPage(lang, sess, f, table)
	switch d.Sim.Status {
	case flow.StatusPending:
		d.Name, d.Title, d.Lead = "sdk", "sim.title", "sim.lead"
		d.Sim.Groups = simGroups(table)
	case flow.StatusExpired:
		d.Name, d.Title, d.Lead = "sdk-expired", "sim.expired.title", "sim.expired.lead"
	default:
		if view == "result" {
			d.Name, d.Title, d.Lead = "sdk-result", "sim.result.title", "sim.result.lead"
		} else {
			d.Name, d.Title, d.Lead = "sdk-completed", "sim.completed.title", "sim.completed.lead"
		}
	}
	h.log.Debug("sdk simulator page", "token", token, "flow", sess.Flow, "status", d.Sim.Status)
	h.render(w, r, http.StatusOK, d)
}

// simSession looks a token up for the simulator, answering the error page
// itself (400 no token, 404 unknown or not an SDK flow) when it reports
// false.
func (h *handler) simSession(w http.ResponseWriter, r *http.Request, lang, token string) (*store.Session, flow.Flow, catalog.Flow, bool) {
	switch {
	case token == "":
		h.renderErrorIn(w, r, lang, http.StatusBadRequest, "notoken")
		return nil, nil, catalog.Flow{}, false
	case len(token) > maxToken:
		// No flow makes such a token; the store is not asked.
		h.renderErrorIn(w, r, lang, http.StatusNotFound, "notfound")
		return nil, nil, catalog.Flow{}, false
	}
	sess, err := h.hub.Get(token)
	if err != nil {
		h.simError(w, r, lang, token, err)
		return nil, nil, catalog.Flow{}, false
	}
	f, err := h.hub.FlowOf(sess)
	if err != nil {
		h.simError(w, r, lang, token, err)
		return nil, nil, catalog.Flow{}, false
	}
	table, ok := flow.SDKTable(f.Kind())
	if !ok {
		h.renderErrorIn(w, r, lang, http.StatusNotFound, "notsdk")
		return nil, nil, catalog.Flow{}, false
	}
	return sess, f, table, true
}

// simPost serves POST /sdk/: the form of the page, fields token, lang and
// either result=<code> or scenario=1. It completes the session and answers
// 303 to its result page.
func (h *handler) simPost(w http.ResponseWriter, r *http.Request) {
	lang := h.simLanguage(r, r.URL.Query().Get("lang"))
	// Cross-site form posts are refused (Sec-Fetch-Site, else Origin
	// against Host); the page's forms are same-origin.
	if err := h.csrf.Check(r); err != nil {
		h.renderErrorIn(w, r, lang, http.StatusForbidden, "forbidden")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		h.renderErrorIn(w, r, lang, http.StatusBadRequest, "badform")
		return
	}
	form := r.PostForm
	lang = h.simLanguage(r, form.Get("lang"))
	token := form.Get("token")
	_, _, table, ok := h.simSession(w, r, lang, token)
	if !ok {
		return
	}
	body := json.RawMessage(`{}`)
	if form.Get("scenario") == "" {
		code := form.Get("result")
		if _, known := table.Lookup(code); !known {
			h.renderErrorIn(w, r, lang, http.StatusBadRequest, "badcode")
			return
		}
		body, _ = json.Marshal(struct{ Result string }{code})
	}
	_, err := h.hub.Complete(token, body)
	h.log.Debug("sdk simulator complete", "token", token, "body", string(body), "err", err)
	switch {
	case errors.Is(err, flow.ErrCompleted):
		// Completed meanwhile (or expired): the page says so.
		simSeeOther(w, token, lang, "")
	case err != nil:
		h.simError(w, r, lang, token, err)
	default:
		simSeeOther(w, token, lang, "result")
	}
}

// simSeeOther answers the form with 303 to the page of token. The
// Location is relative to /sdk/, so it stays under a path prefix.
func simSeeOther(w http.ResponseWriter, token, lang, view string) {
	loc := "./?token=" + url.QueryEscape(token)
	if view != "" {
		loc += "&view=" + view
	}
	loc += "&lang=" + lang
	w.Header().Set("Location", loc)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther)
}

// simError renders the page for an error of the session API.
func (h *handler) simError(w http.ResponseWriter, r *http.Request, lang, token string, err error) {
	switch {
	case errors.Is(err, flow.ErrNotFound):
		h.notFound(w, r, lang, token)
	case errors.Is(err, flow.ErrUnknownCode), errors.Is(err, flow.ErrInvalid), errors.Is(err, flow.ErrUnknownScenario):
		h.log.Debug("sdk simulator: completion refused", "err", err)
		h.renderErrorIn(w, r, lang, http.StatusBadRequest, "badcode")
	default:
		h.log.Error("sdk simulator page", "err", err)
		h.renderErrorIn(w, r, lang, http.StatusInternalServerError, "internal")
	}
}

// simPage fills what every simulator page of a session shows.
func (h *handler) simPage(lang string, sess *store.Session, f flow.Flow, table catalog.Flow) *pageData {
	d := h.newPage(lang, defaultTheme, "", "sim")
	d.Token = sess.Token
	s := &simData{
		Kind:     sess.Flow,
		FlowName: d.T("flow." + sess.Flow),
		Token:    sess.Token,
		Status:   f.Status(sess),
		Scenario: sess.Scenario,
		Actions:  strings.Join(table.Actions, " → "),
	}
	if n := len(table.Actions); n > 0 {
		s.ResultAction = table.Actions[n-1]
	}
	var rendered map[string]json.RawMessage
	if raw, err := json.Marshal(h.hub.Render(sess, "")); err == nil {
		_ = json.Unmarshal(raw, &rendered)
	}
	if name := jsonString(rendered["Scenario"]); name != "" {
		// The flow's view of it (a scenario set for the token wins).
		s.Scenario = name
	}
	s.Params = renderedParams(rendered)
	if s.Status != flow.StatusPending {
		s.Result = renderedResult(rendered, table)
	}
	d.Sim = s
	return d
}

// simGroups groups a table's codes by category in the table's order (the
// pass code is first).
func simGroups(t catalog.Flow) []simGroup {
	var out []simGroup
	index := map[string]int{}
	for _, c := range t.Codes {
		i, ok := index[c.Category]
		if !ok {
			i = len(out)
			index[c.Category] = i
			out = append(out, simGroup{Label: "cat." + c.Category})
		}
		out[i].Codes = append(out[i].Codes, c)
	}
	return out
}

// lifecycleFields are members of a rendering the page shows elsewhere, or
// that are not request parameters.
var lifecycleFields = map[string]bool{
	"Flow": true, "Token": true, "SdkToken": true, "BizToken": true, "State": true,
	"Scenario": true, "ScenarioReason": true, "Scripted": true, "Completion": true,
	"Timeline": true, "Result": true, "Description": true, "PendingResult": true,
	"SimulatorURL": true, "VerificationURL": true, "ApplyAction": true, "ResultAction": true,
	"Attempts": true, "Polls": true, "PageOpened": true,
	"CreatedAt": true, "CompletedAt": true, "ExpiresAt": true, "ResultExpiresAt": true,
}

// renderedParams lists a rendering's other members, top-level values
// first, then nested objects one level deep ("Config.CheckMode"), each
// part by name; nulls and empty values are left out, values and the
// list bounded.
func renderedParams(rendered map[string]json.RawMessage) []param {
	var top, nested []param
	for k, raw := range rendered {
		if lifecycleFields[k] {
			continue
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil || obj == nil {
			top = append(top, param{k, paramValue(raw)})
			continue
		}
		for n, v := range obj {
			nested = append(nested, param{k + "." + n, paramValue(v)})
		}
	}
	byName := func(a, b param) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(top, byName)
	slices.SortFunc(nested, byName)
	out := make([]param, 0, maxParams)
	for _, p := range append(top, nested...) {
		if p.Value != "" && len(out) < maxParams {
			out = append(out, p)
		}
	}
	return out
}

// paramValue is a JSON value as the page shows it: strings bare, anything
// else as compact JSON, "" for null and empty values, cut at
// maxParamValue characters.
func paramValue(raw json.RawMessage) string {
	var v string
	if json.Unmarshal(raw, &v) != nil {
		v = strings.TrimSpace(string(raw))
		switch v {
		case "null", "[]", "{}":
			return ""
		}
	}
	if utf8.RuneCountInString(v) > maxParamValue {
		r := []rune(v)
		v = string(r[:maxParamValue]) + "…"
	}
	return v
}

// jsonString is a JSON string's value, or "".
func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// jsonCode is a result code as a flow renders it: a string or a number.
func jsonCode(raw json.RawMessage) (string, bool) {
	if s := jsonString(raw); s != "" {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil && n != "" {
		return n.String(), true
	}
	return "", false
}

// renderedResult reads a session's result from its rendering: "Result"
// is the code (with the text in "Description"), or an object with
// Result/ErrorCode/Code and Description/ErrorMsg/Message. The text falls
// back to the table's message of the code.
func renderedResult(rendered map[string]json.RawMessage, table catalog.Flow) *simResult {
	raw, ok := rendered["Result"]
	if !ok {
		return nil
	}
	var res simResult
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil && obj != nil {
		for _, k := range []string{"Result", "ErrorCode", "Code"} {
			if c, ok := jsonCode(obj[k]); ok {
				res.Code = c
				break
			}
		}
		for _, k := range []string{"Description", "ErrorMsg", "Message"} {
			if m := jsonString(obj[k]); m != "" {
				res.Message = m
				break
			}
		}
	} else if c, ok := jsonCode(raw); ok {
		res.Code = c
		res.Message = jsonString(rendered["Description"])
	}
	if res.Code == "" {
		return nil
	}
	if res.Message == "" {
		if e, ok := table.Lookup(res.Code); ok {
			res.Message = e.Message
		}
	}
	res.Pass = res.Code == table.Pass().Code
	return &res
}
