package scenarios

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

// MaxLatency bounds APIBehavior.Latency, to catch "1500s" written for "1500ms".
const MaxLatency = 10 * time.Minute

// reportFunc receives one semantic problem: the path of the offending node
// relative to the scenario (string keys, int indexes); key asks for the line
// of the mapping key rather than of its value.
type reportFunc func(path []any, key bool, msg string)

// Validate checks one scenario built in Go (not parsed from a file) with the
// same semantic rules Parse applies. Problems carry s.Source and s.Line.
func Validate(s *Scenario) []Problem {
	var ps []Problem
	checkScenario(s, func(path []any, _ bool, msg string) {
		ps = append(ps, Problem{File: s.Source, Line: s.Line, Reason: withPath(path, msg)})
	})
	return ps
}

func withPath(path []any, msg string) string {
	if len(path) == 0 {
		return msg
	}
	return formatPath(path) + ": " + msg
}

// formatPath renders a path as name.sub[2].key or api["*"].
func formatPath(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch v := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", v)
		case string:
			if isIdent(v) {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(v)
			} else {
				fmt.Fprintf(&b, "[%q]", v)
			}
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' && i > 0
		if !ok {
			return false
		}
	}
	return true
}

func at(elems ...any) []any { return elems }

// attemptCategory reports whether a category can be a LivenessErrorCode.
func livenessCategory(cat string) bool {
	switch cat {
	case "pass", "liveness", "lip", "action", "silent", "reflection", "request", "system":
		return true
	}
	return false
}

func checkScenario(s *Scenario, rep reportFunc) {
	if s.Name == "" {
		rep(nil, false, "missing required key \"name\"")
	} else if !validName(s.Name) {
		rep(at("name"), false, fmt.Sprintf("name %q must match [a-z0-9][a-z0-9-]*", s.Name))
	}
	checkMatch(s.Match, rep)
	seen := map[string]int{}
	for i, id := range s.DefaultFor {
		if id == "" {
			rep(at("defaultFor", i), false, "empty SecretId")
		} else if j, dup := seen[id]; dup {
			rep(at("defaultFor", i), false, fmt.Sprintf("SecretId %q listed twice (also at defaultFor[%d])", id, j))
		} else {
			seen[id] = i
		}
	}
	for i, a := range s.Attempts {
		checkAttempt(a, func(path []any, key bool, msg string) {
			rep(append(at("attempts", i), path...), key, msg)
		})
	}
	if s.Result != nil && s.Result.ErrorCode != nil {
		if c := *s.Result.ErrorCode; !known(c) {
			rep(at("result", "errorCode"), false, unknownResult(c))
		}
	}
	checkOCR(s.OCR, rep)
	checkEnum(at("media", "bestFrame"), s.Media.BestFrame, rep, MediaSample, MediaCompareImage, MediaNone)
	checkEnum(at("media", "video"), s.Media.Video, rep, MediaSample, MediaNone)
	checkCompletion(s.Completion, rep)
	keys := make([]string, 0, len(s.API))
	for k := range s.API {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var action *spec.Action
		if k != ActionAny {
			var ok bool
			if _, action, ok = spec.FindAction(k); !ok {
				rep(at("api", k), true, unknownAction(k))
				continue
			}
		}
		checkBehavior(s.API[k], action, func(path []any, key bool, msg string) {
			rep(append(at("api", k), path...), key, msg)
		})
	}
	checkFor(s, rep)
}

func unknownAction(k string) string {
	return fmt.Sprintf("unknown action %q (want an action of the API spec or \"*\")%s", k,
		didYouMean(k, spec.AllActionNames()))
}

// WebFlow is the For value of the web verification flow.
const WebFlow = "web"

// checkFor checks For and what depends on it: a flow's result code.
func checkFor(s *Scenario, rep reportFunc) {
	var flow catalog.Flow
	isFlow := false
	switch {
	case s.For == "" || s.For == WebFlow:
	default:
		if flow, isFlow = catalog.LookupFlow(s.For); !isFlow {
			if _, _, ok := spec.FindAction(s.For); !ok {
				rep(at("for"), false, fmt.Sprintf("unknown action or flow %q%s", s.For,
					didYouMean(s.For, append(append([]string{WebFlow}, catalog.FlowKeys()...), spec.AllActionNames()...))))
				return
			}
		}
	}
	checkParamNames(s, flow, isFlow, rep)
	if s.Result == nil || s.Result.Code == nil {
		return
	}
	if !isFlow {
		rep(at("result", "code"), false, "result.code needs `for` to name a flow of the catalogue (use errorCode for the web flow)")
		return
	}
	if _, ok := flow.Lookup(*s.Result.Code); !ok {
		codes := make([]string, 0, len(flow.Codes))
		for _, c := range flow.Codes {
			codes = append(codes, c.Code)
		}
		rep(at("result", "code"), false, fmt.Sprintf("unknown result code %q of flow %s%s", *s.Result.Code, flow.Key, didYouMean(*s.Result.Code, codes)))
	}
}

// checkParamNames checks that match.params names input members of the
// action the scenario is for (the apply action of a flow): a misspelt
// parameter would otherwise never match, silently.
func checkParamNames(s *Scenario, flow catalog.Flow, isFlow bool, rep reportFunc) {
	if s.Match == nil || len(s.Match.Params) == 0 || s.For == "" || s.For == WebFlow {
		return
	}
	action := s.For
	if isFlow {
		if len(flow.Actions) == 0 {
			return
		}
		action = flow.Actions[0]
	}
	_, a, ok := spec.FindAction(action)
	if !ok {
		return
	}
	var names []string
	for _, m := range a.Input.Members {
		names = append(names, m.Name)
	}
	keys := make([]string, 0, len(s.Match.Params))
	for k := range s.Match.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(names, k) {
			rep(at("match", "params", k), true, fmt.Sprintf("%s has no parameter %q%s", action, k, didYouMean(k, names)))
		}
	}
}

func known(code int) bool {
	_, ok := catalog.LookupResult(code)
	return ok
}

func unknownResult(c int) string {
	return fmt.Sprintf("unknown result code %d (not in the catalogue)", c)
}

func checkEnum(path []any, v string, rep reportFunc, allowed ...string) {
	if v == "" || slices.Contains(allowed, v) {
		return
	}
	rep(path, false, unknownValue(v, allowed))
}

func unknownValue(v string, allowed []string) string {
	return fmt.Sprintf("unknown value %q (want %s)%s", v, strings.Join(allowed, ", "), didYouMean(v, allowed))
}

func checkRegex(path []any, re string, rep reportFunc) {
	if _, err := regexp.Compile(re); err != nil {
		msg := err.Error()
		msg = strings.TrimPrefix(msg, "error parsing regexp: ")
		rep(path, false, "bad regex: "+msg)
	}
}

func checkMatch(m *Match, rep reportFunc) {
	if m == nil {
		return
	}
	if m.Extra == nil && m.RedirectURL == "" && m.SecretID == "" && len(m.Params) == 0 {
		rep(at("match"), false, "match sets no rule (want extra, redirectURL, secretId and/or params)")
	}
	checkStringMatch(m.Extra, at("match", "extra"), rep)
	if m.RedirectURL != "" {
		checkRegex(at("match", "redirectURL"), m.RedirectURL, rep)
	}
	names := make([]string, 0, len(m.Params))
	for name := range m.Params {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if m.Params[name] == nil {
			rep(at("match", "params", name), false, "empty rule (want exact, prefix or regex)")
			continue
		}
		checkStringMatch(m.Params[name], at("match", "params", name), rep)
	}
}

// checkStringMatch checks that exactly one way of matching is set.
func checkStringMatch(e *StringMatch, path []any, rep reportFunc) {
	if e == nil {
		return
	}
	n := 0
	for _, v := range []string{e.Exact, e.Prefix, e.Regex} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		rep(path, false, "set exactly one of exact, prefix, regex")
	}
	if e.Regex != "" {
		checkRegex(append(slices.Clone(path), "regex"), e.Regex, rep)
	}
}

func checkAttempt(a Attempt, rep reportFunc) {
	if r, ok := catalog.LookupResult(a.Liveness); !ok {
		rep(at("liveness"), false, unknownResult(a.Liveness))
	} else if r.Category == "compare" {
		rep(at("liveness"), false, fmt.Sprintf("%d is a comparison code; write liveness: 0, compare: %d", a.Liveness, a.Liveness))
	} else if !livenessCategory(r.Category) {
		rep(at("liveness"), false, fmt.Sprintf("%d is a %s code, not a liveness result; put it in result.errorCode", a.Liveness, r.Category))
	}
	compare := 0
	if a.Compare != nil {
		compare = *a.Compare
		if r, ok := catalog.LookupResult(compare); !ok {
			rep(at("compare"), false, unknownResult(compare))
		} else if r.Category != "pass" && r.Category != "compare" {
			rep(at("compare"), false, fmt.Sprintf("%d is not a comparison code (want 0 or a 2xxx code)", compare))
		}
		if a.Liveness != 0 {
			rep(at("compare"), false, fmt.Sprintf("compare given but liveness failed (%d): no comparison runs after a failed liveness", a.Liveness))
		}
	}
	if a.Similarity != nil {
		sim := *a.Similarity
		switch {
		case sim < 0 || sim > 100:
			rep(at("similarity"), false, fmt.Sprintf("similarity %s is outside 0..100", fmtFloat(sim)))
		case a.Liveness != 0:
			if sim != 0 {
				rep(at("similarity"), false, fmt.Sprintf("similarity given but liveness failed (%d): no comparison runs", a.Liveness))
			}
		case compare == catalog.ResultLowSimilarity && sim >= catalog.PassThreshold:
			rep(at("similarity"), false, fmt.Sprintf("similarity %s contradicts compare 2016 (needs < 70)", fmtFloat(sim)))
		case compare == 0 && sim < catalog.PassThreshold:
			rep(at("similarity"), false, fmt.Sprintf("similarity %s contradicts a passing comparison (needs >= 70; add compare: 2016 for a low score)", fmtFloat(sim)))
		}
	}
	seen := map[string]bool{}
	for i, t := range a.LivenessInfoTag {
		n, err := strconv.Atoi(t)
		if err != nil || len(t) != 2 || n < 1 || n > 14 {
			rep(at("livenessInfoTag", i), false, fmt.Sprintf("%q is not a LivenessInfoTag (want \"01\"..\"14\")", t))
		} else if seen[t] {
			rep(at("livenessInfoTag", i), false, fmt.Sprintf("tag %q listed twice", t))
		}
		seen[t] = true
	}
	if len(a.LivenessInfoTag) > 0 && a.Liveness == 0 {
		rep(at("livenessInfoTag"), false, "livenessInfoTag given but liveness passed: tags describe a rejected liveness")
	}
	if a.ErrorCode != nil {
		if _, ok := catalog.LookupResult(*a.ErrorCode); !ok {
			rep(at("errorCode"), false, unknownResult(*a.ErrorCode))
		}
	}
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func checkOCR(o *OCR, rep reportFunc) {
	if o == nil {
		return
	}
	var fields []string
	model := "any supported card type"
	if o.IDCardType != "" {
		if f := catalog.CardFields(o.IDCardType); f != nil {
			fields, model = f, o.IDCardType
		} else {
			rep(at("ocr", "idCardType"), false, unknownValue(o.IDCardType, catalog.IDCardTypes()))
		}
	}
	if fields == nil && len(o.Fields) > 0 {
		fields = allCardFields()
	}
	names := make([]string, 0, len(o.Fields))
	for k := range o.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !slices.Contains(fields, k) {
			rep(at("ocr", "fields", k), true, fmt.Sprintf("%q is not a card field of %s%s", k, model, didYouMean(k, fields)))
		}
	}
	seen := map[int]bool{}
	for i, w := range o.WarnCardInfos {
		if !slices.Contains(catalog.WarnCardInfoCodes(), w) {
			rep(at("ocr", "warnCardInfos", i), false, fmt.Sprintf("%d is not an OCR alarm code (want -9101, -9102, -9103, -9104, -9107, -9108 or -9109)", w))
		} else if seen[w] {
			rep(at("ocr", "warnCardInfos", i), false, fmt.Sprintf("alarm %d listed twice", w))
		}
		seen[w] = true
	}
}

func checkCompletion(c Completion, rep reportFunc) {
	checkEnum(at("completion", "mode"), c.Mode, rep, CompletionManual, CompletionAuto, CompletionPolls)
	switch {
	case c.Polls < 0:
		rep(at("completion", "polls"), false, "polls must not be negative")
	case c.Mode == CompletionPolls && c.Polls == 0:
		rep(at("completion"), false, "mode polls needs polls > 0")
	case c.Mode != CompletionPolls && c.Polls != 0:
		rep(at("completion", "polls"), false, "polls only applies to mode polls")
	}
}

func checkBehavior(b APIBehavior, action *spec.Action, rep reportFunc) {
	if b.Error == nil && b.Fault == "" && b.Latency == 0 && b.Times == 0 && len(b.Response) == 0 {
		rep(nil, false, "empty behaviour (want response, error, fault and/or latency)")
		return
	}
	if len(b.Response) > 0 {
		if action == nil {
			rep(at("response"), true, "response needs an action of its own, not \"*\"")
		} else {
			checkResponse(b.Response, action, rep)
		}
		if b.Error != nil || b.Fault != "" {
			rep(at("response"), true, "response is exclusive with error and fault")
		}
	}
	if e := b.Error; e != nil {
		if e.Code == "" {
			rep(at("error"), false, "missing required key \"code\"")
		} else if _, ok := catalog.LookupAPIError(e.Code); !ok {
			rep(at("error", "code"), false, unknownAPIError(e.Code))
		}
	}
	checkEnum(at("fault"), b.Fault, rep, FaultHTTP502, FaultConnectionReset, FaultTruncatedBody)
	if b.Error != nil && b.Fault != "" {
		rep(at("fault"), false, "error and fault are exclusive")
	}
	if b.Latency < 0 {
		rep(at("latency"), false, "latency must not be negative")
	} else if b.Latency.D() > MaxLatency {
		rep(at("latency"), false, fmt.Sprintf("latency %s is above %s", b.Latency, MaxLatency))
	}
	if b.Times < 0 {
		rep(at("times"), false, "times must not be negative")
	} else if b.Times > 0 && b.Error == nil && b.Fault == "" {
		rep(at("times"), false, "times limits error and fault, but neither is set")
	}
}

// checkResponse checks that the scripted answer names members of the
// action's output model.
func checkResponse(resp map[string]any, action *spec.Action, rep reportFunc) {
	names := make([]string, 0, len(action.Output.Members))
	for _, m := range action.Output.Members {
		names = append(names, m.Name)
	}
	keys := make([]string, 0, len(resp))
	for k := range resp {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case k == "RequestId":
			rep(at("response", k), true, "RequestId is made by the emulator for every answer")
		case !slices.Contains(names, k):
			rep(at("response", k), true, fmt.Sprintf("%s has no member %q%s", action.Output.Name, k, didYouMean(k, names)))
		}
	}
}

func unknownAPIError(code string) string {
	var codes []string
	for _, e := range catalog.APIErrors() {
		codes = append(codes, e.Code)
	}
	return fmt.Sprintf("unknown API error code %q (not in the catalogue)%s", code, didYouMean(code, codes))
}

// didYouMean suggests the closest candidate within a small edit distance.
func didYouMean(got string, candidates []string) string {
	// A name cut short (GetWebVerificationResult for ...ResultIntl) is the
	// likeliest slip; prefer the candidate it begins.
	for _, c := range candidates {
		if len(got) >= 6 && len(c) > len(got) && strings.HasPrefix(strings.ToLower(c), strings.ToLower(got)) {
			return fmt.Sprintf("; did you mean %q?", c)
		}
	}
	best, bestD := "", 1<<30
	for _, c := range candidates {
		d := editDistance(strings.ToLower(got), strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if len(got) > 12 {
		limit = 3
	}
	if best == "" || bestD > limit || best == got {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 200 || len(rb) > 200 {
		return 1 << 20
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
