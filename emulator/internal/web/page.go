package web

import (
	"strconv"
	"strings"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid"
)

// pageData is what the template renders. Fields holding translation keys
// say so; the template translates them with T.
type pageData struct {
	h    *handler
	lang string
	// formTarget is the RedirectURL origin for the CSP form-action.
	formTarget string

	// Name is the page's name (body data-page); Body the template drawn.
	Name, Body string
	Lang       string // <html lang>
	Title      string // key
	Lead       string // key
	Status     int

	CSSURL, JSURL, ThemeURL string

	Token     string
	StepNo    int
	StepCount int

	PrivacyError bool

	Card         string // translated document name ("" = no document)
	Liveness     bool
	Mode         string   // key
	Actions      []string // keys
	Timeout      uint64
	Compare      string // key
	AttemptsLeft int
	Scripted     bool
	Scenario     string
	Groups       []outcomeGroup
	Others       []codeGroup

	// Code and Msg are the final (or last attempt's) result.
	Code int
	Msg  string
	Pass bool
	Next string // RedirectURL with the token; "" = no link

	// Sim is the session the SDK simulator page shows.
	Sim *simData
}

// T translates key into the page's language.
func (d *pageData) T(key string) string { return d.h.tr.lookup(d.lang, key) }

// LangCode is the page's language code (en, zh-cn, ...), for links and
// forms that keep it.
func (d *pageData) LangCode() string { return d.lang }

// Tf translates key and fills its {0}, {1}... placeholders.
func (d *pageData) Tf(key string, args ...any) string { return format(d.T(key), args...) }

// CodeLabel is the translated short label of a featured result code.
func (d *pageData) CodeLabel(code int) string { return d.T("code." + strconv.Itoa(code)) }

type outcomeGroup struct {
	Title string // key
	Codes []int
}

type codeGroup struct {
	Label string // key
	Codes []codeOption
}

type codeOption struct {
	Code int
	Msg  string
}

// The outcome buttons: pass, then the common failures by group. Every other
// code is in the <select>.
var featuredGroups = []struct {
	title string
	kind  string // "liveness", "compare" or "process"
	codes []int
}{
	{"group.liveness", "liveness", []int{1001, 1002, 1004, 1005, 202, 1201}},
	{"group.compare", "compare", []int{2015, 2016, 2012}},
	{"group.process", "process", []int{catalog.ResultUserExit, catalog.ResultTimeout}},
}

// livenessCategories are the catalogue categories of liveness-stage codes.
var livenessCategories = map[string]bool{"liveness": true, "lip": true, "action": true, "silent": true, "reflection": true}

// featuredCodes is every code with its own button.
func featuredCodes() map[int]bool {
	m := map[int]bool{catalog.ResultPass: true}
	for _, g := range featuredGroups {
		for _, c := range g.codes {
			m[c] = true
		}
	}
	return m
}

// codeApplies reports whether a code of category cat can come out of this
// Config: no liveness codes without liveness (CheckMode 4), no comparison
// codes without a comparison (CheckMode 3 and 4).
func codeApplies(c faceid.WebConfig, cat string) bool {
	switch {
	case livenessCategories[cat]:
		return livenessRuns(c)
	case cat == "compare":
		return compareRuns(c)
	}
	return true
}

func outcomeGroups(c faceid.WebConfig) []outcomeGroup {
	var out []outcomeGroup
	for _, g := range featuredGroups {
		if g.kind != "process" && !codeApplies(c, g.kind) {
			continue
		}
		out = append(out, outcomeGroup{Title: g.title, Codes: g.codes})
	}
	return out
}

// otherCodes groups every remaining catalogue code by category, in the
// catalogue's order.
func otherCodes(c faceid.WebConfig) []codeGroup {
	featured := featuredCodes()
	var out []codeGroup
	index := map[string]int{}
	for _, r := range catalog.Results() {
		if featured[r.Code] || !codeApplies(c, r.Category) {
			continue
		}
		i, ok := index[r.Category]
		if !ok {
			i = len(out)
			index[r.Category] = i
			out = append(out, codeGroup{Label: "cat." + r.Category})
		}
		out[i].Codes = append(out[i].Codes, codeOption{Code: r.Code, Msg: catalog.ResultMessage(r.Code)})
	}
	return out
}

// newPage fills what every page has.
func (h *handler) newPage(lang, colour, name, body string) *pageData {
	if _, ok := h.tr[lang]; !ok {
		lang = fallbackLanguage
	}
	return &pageData{
		h: h, lang: lang,
		Name: name, Body: body, Lang: htmlLang(lang),
		CSSURL: h.assetURL("app.css"), JSURL: h.assetURL("app.js"), ThemeURL: h.themeURL(colour),
	}
}

// sessionPage builds a page of a session's flow: start, privacy, document,
// verify or failed.
func (h *handler) sessionPage(v faceid.View, name, body string) *pageData {
	s := v.Web
	c := s.Config
	d := h.newPage(c.Language, c.ThemeColor, name, body)
	d.Token = v.Session.Token
	d.formTarget = cspOrigin(s.RedirectURL)
	d.Title = body + ".title"
	steps := flowSteps(c)
	if len(steps) > 1 {
		d.StepCount = len(steps)
		d.StepNo = stepIndex(steps, body)
		if body == stepFailed {
			d.StepNo = stepIndex(steps, stepVerify)
		}
		if d.StepNo == 0 {
			d.StepCount = 0
		}
	}
	if hasDocument(c) {
		d.Card = d.T("card." + c.IDCardType)
	}
	d.Liveness = livenessRuns(c)
	if !d.Liveness && body == stepVerify {
		d.Title = "ocr.title"
	}
	d.Mode = "mode." + strconv.FormatInt(c.SecurityLevel, 10)
	if c.SecurityLevel == 2 || c.SecurityLevel == 4 {
		for _, a := range strings.Split(c.ActionList, ",") {
			if a = strings.TrimSpace(a); a != "" {
				d.Actions = append(d.Actions, "action."+a)
			}
		}
	}
	d.Timeout = c.LivenessTimeout
	switch {
	case c.CheckMode == 1:
		d.Compare = "compare.document"
	case c.CheckMode == 2:
		d.Compare = "compare.photo"
	default:
		d.Compare = "compare.none"
	}
	d.AttemptsLeft = v.AttemptsLeft
	d.Scripted = v.Scripted
	d.Scenario = v.ScenarioName
	if body == stepVerify && !v.Scripted {
		d.Groups = outcomeGroups(c)
		d.Others = otherCodes(c)
	}
	if body == stepFailed && v.LastAttempt != nil {
		d.Code = v.LastAttempt.ErrorCode
		d.Msg = catalog.ResultMessage(d.Code)
	}
	return d
}

func (h *handler) failedPage(v faceid.View) *pageData {
	return h.sessionPage(v, stepFailed, stepFailed)
}

// outcomePage builds a page that shows a code and the link to the merchant.
func (h *handler) outcomePage(v faceid.View, name string, code int, msg string) *pageData {
	s := v.Web
	d := h.newPage(s.Config.Language, s.Config.ThemeColor, name, "result")
	d.Token = v.Session.Token
	d.formTarget = cspOrigin(s.RedirectURL)
	d.Code, d.Msg = code, msg
	d.Pass = code == catalog.ResultPass
	d.Next, _ = redirectTarget(s.RedirectURL, v.Session.Token)
	return d
}

// resultPage shows the session's final result.
func (h *handler) resultPage(v faceid.View) *pageData {
	code, msg := catalog.ResultRetryLimit, ""
	if r := v.Web.Result; r != nil {
		code, msg = r.ErrorCode, r.ErrorMsg
	}
	d := h.outcomePage(v, "result", code, msg)
	if d.Pass {
		d.Title, d.Lead = "result.pass.title", "result.pass.lead"
	} else {
		d.Title, d.Lead = "result.fail.title", "result.fail.lead"
	}
	return d
}

// completedPage is shown when a completed session's page is opened again:
// code 14, whatever the result was.
func (h *handler) completedPage(v faceid.View) *pageData {
	d := h.outcomePage(v, "completed", catalog.ResultCompleted, catalog.ResultMessage(catalog.ResultCompleted))
	d.Title, d.Lead = "completed.title", "completed.lead"
	return d
}

// expiredPage is shown for a session whose link lifetime ended: the
// stored expiry result, 15.
func (h *handler) expiredPage(v faceid.View) *pageData {
	code, msg := catalog.ResultTokenExpired, catalog.ResultMessage(catalog.ResultTokenExpired)
	if r := v.Web.Result; r != nil {
		code, msg = r.ErrorCode, r.ErrorMsg
	}
	d := h.outcomePage(v, "expired", code, msg)
	d.Title, d.Lead = "expired.title", "expired.lead"
	return d
}
