// Package libgen generates the shipped scenario library
// (scenarios/library/*.yaml) from the catalogue. The files are committed;
// `go generate ./scenarios` rewrites them and a test in package scenarios
// fails when they are stale.
package libgen

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"go.yaml.in/yaml/v3"
)

// Slugs names the scenario of each result code: <category>-<code>-<slug>
// (code 0 is just "pass-0"). A code missing here gets a slug made from its
// catalogue message.
func Slugs() map[int]string {
	return map[int]string{
		0: "", 1: "invalid-parameter", 2: "incorrect-parameter-value", 3: "bad-request",
		4: "internal-service-error", 8: "file-store-failed", 9: "invalid-file-format",
		10: "file-system-error", 11: "file-system-timeout",
		14: "verification-completed", 15: "token-expired", 16: "retry-limit-reached", 17: "process-not-finished",
		202: "failed-to-get-video", 1001: "liveness-engine-error", 1002: "spoofed-recording",
		1003: "real-person-detection-failed", 1004: "face-detection-failed", 1005: "liveness-detection-failed",
		1101: "no-sound", 1102: "face-not-fully-exposed", 1103: "speech-recognition-failed",
		1104: "bad-video-format", 1105: "video-pull-failed", 1106: "volume-too-low",
		1107: "video-empty-or-bad-size", 1108: "low-video-definition", 1109: "lip-movement-too-small",
		1201: "lighting-too-dim", 1202: "lighting-too-strong", 1203: "face-too-close",
		1204: "face-too-far-right", 1205: "face-too-far", 1206: "face-too-far-left",
		1207: "no-eye-closing", 1208: "first-motion-not-detected", 1209: "no-mouth-opening",
		1210: "no-full-face", 1301: "real-person-detection-failed", 1302: "below-passing-standard",
		1303: "video-too-short", 1401: "reflection-liveness-failed", 1409: "timeout", 1410: "user-exit",
		2001: "compare-engine-error", 2004: "image-size-invalid", 2009: "image-resolution-too-low",
		2010: "face-detection-failed", 2011: "real-person-comparison-failed", 2012: "multiple-faces",
		2013: "no-full-face", 2014: "image-resolution-too-low", 2015: "comparison-failed",
		2016: "low-similarity",
	}
}

// ResultScenarioName returns the library name of the scenario for a code.
func ResultScenarioName(r catalog.Result) string {
	slug, ok := Slugs()[r.Code]
	if !ok {
		slug = Slugify(r.Message)
	}
	name := fmt.Sprintf("%s-%d", r.Category, r.Code)
	if slug != "" {
		name += "-" + slug
	}
	return name
}

// Slugify lower-cases s and turns every run of other characters than
// letters and digits into one '-' ("UnauthorizedOperation.Arrears" →
// "unauthorizedoperation-arrears").
func Slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	return b.String()
}

// ApplyErrorCodes are the API error codes of the api-apply-* scenarios:
// the codes documented for ApplyWebVerificationBizTokenIntl plus
// RuleIdNotExist.
func ApplyErrorCodes() []string {
	return []string{
		catalog.InternalError, catalog.InvalidParameter, catalog.InvalidParameterValue,
		catalog.UnauthorizedActivateError, catalog.UnauthorizedActivating,
		catalog.UnauthorizedArrears, catalog.UnauthorizedNonactivated,
		catalog.RuleIDNotExist,
	}
}

// GetErrorCodes are the API error codes of the api-get-* scenarios: the
// codes documented for GetWebVerificationResultIntl.
func GetErrorCodes() []string {
	return []string{
		catalog.InternalError, catalog.InvalidParameter, catalog.InvalidParameterValue,
		catalog.BizTokenExpired, catalog.BizTokenIllegal, catalog.OperationDenied,
	}
}

// ---- YAML node helpers -------------------------------------------------

type kv struct {
	k string
	v *yaml.Node
}

func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func num(i int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(i)}
}

func flt(f float64) *yaml.Node {
	v := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(v, ".") {
		v += ".0"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: v}
}

func boolean(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}

func mapping(kvs ...kv) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, e := range kvs {
		if e.v == nil {
			continue
		}
		n.Content = append(n.Content, str(e.k), e.v)
	}
	return n
}

func flowMapping(kvs ...kv) *yaml.Node {
	n := mapping(kvs...)
	n.Style = yaml.FlowStyle
	return n
}

func seq(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
}

func flowSeq(items ...*yaml.Node) *yaml.Node {
	n := seq(items...)
	n.Style = yaml.FlowStyle
	return n
}

// attempt is one attempt mapping in flow style.
func attempt(liveness int, more ...kv) *yaml.Node {
	return flowMapping(append([]kv{{"liveness", num(liveness)}}, more...)...)
}

func completion(mode string) kv {
	return kv{"completion", flowMapping(kv{"mode", str(mode)})}
}

func result(code int) kv {
	return kv{"result", flowMapping(kv{"errorCode", num(code)})}
}

// ---- files --------------------------------------------------------------

type file struct {
	name   string
	header string // comment lines, without "# "
	single bool   // one scenario, written as a plain mapping
	items  []*yaml.Node
	// docs, when set, are written as one YAML document each (items is
	// then unused): the parser holds one document's nodes at a time, so a
	// long file parsed in parts needs far less memory at start-up.
	docs [][]*yaml.Node
}

// Generate returns the library files: name → content.
func Generate() (map[string][]byte, error) {
	out := map[string][]byte{}
	ocrAPI, err := ocrAPIFile()
	if err != nil {
		return nil, err
	}
	cards, err := cardVerifyFile()
	if err != nil {
		return nil, err
	}
	for _, f := range []file{defaultFile(), resultsFile(), flowsFile(), ocrFile(), apiErrorsFile(), faultsFile(), apiOnlyFile(), sdkFlowsFile(), ocrAPI, cards} {
		b, err := render(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		out[f.name] = b
	}
	return out, nil
}

func render(f file) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# yaml-language-server: $schema=../schema.json\n")
	buf.WriteString("# Code generated by scenarios/internal/genlibrary (go generate ./scenarios); DO NOT EDIT.\n#\n")
	for _, l := range strings.Split(strings.TrimSpace(f.header), "\n") {
		buf.WriteString(strings.TrimRight("# "+l, " ") + "\n")
	}
	if len(f.docs) == 0 {
		err := renderDoc(&buf, f.items, f.single)
		return buf.Bytes(), err
	}
	for i, items := range f.docs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		if err := renderDoc(&buf, items, false); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// renderDoc writes one YAML document: the scenario (single) or the list.
func renderDoc(buf *bytes.Buffer, items []*yaml.Node, single bool) error {
	// Descriptions are written as folded block scalars wrapped at about
	// 100 columns: swap them for placeholders and expand those after
	// encoding (yaml.v3 does not wrap).
	descs := map[string]string{}
	for i, it := range items {
		for j := 0; j+1 < len(it.Content); j += 2 {
			if it.Content[j].Value == "description" {
				ph := fmt.Sprintf("DESCRIPTION-%d", i)
				descs[ph] = it.Content[j+1].Value
				it.Content[j+1] = str(ph)
			}
		}
	}
	var root *yaml.Node
	if single {
		root = items[0]
	} else {
		root = mapping(kv{"scenarios", seq(items...)})
	}
	var body bytes.Buffer
	enc := yaml.NewEncoder(&body)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	// A blank line between scenarios of a list.
	lines := strings.SplitAfter(body.String(), "\n")
	for i, l := range lines {
		if !single && i > 1 && strings.HasPrefix(l, "  - name: ") {
			buf.WriteString("\n")
		}
		trimmed := strings.TrimSpace(l)
		if ph, ok := strings.CutPrefix(trimmed, "description: "); ok && descs[ph] != "" {
			indent := l[:len(l)-len(strings.TrimLeft(l, " "))]
			buf.WriteString(indent + "description: >-\n")
			for _, w := range wrap(descs[ph], 100-len(indent)-2) {
				buf.WriteString(indent + "  " + w + "\n")
			}
			continue
		}
		buf.WriteString(l)
	}
	return nil
}

// wrap splits text into lines of at most width characters at spaces.
func wrap(text string, width int) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(text) {
		if cur != "" && len(cur)+1+len(w) > width {
			lines = append(lines, cur)
			cur = ""
		}
		if cur != "" {
			cur += " "
		}
		cur += w
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

func defaultFile() file {
	return file{
		name:   "default.yaml",
		header: "The global default scenario: used when an Apply request selects nothing else\n(no RuleId naming a scenario, no match, no defaultFor of the SecretId).",
		single: true,
		items: []*yaml.Node{mapping(
			kv{"name", str("default")},
			kv{"description", str("Global default: one passing attempt (liveness 0, comparison 0); " +
				"the session completes only when the user finishes the verification page or the control API completes it.")},
			kv{"attempts", seq(attempt(0))},
			completion("manual"),
		)},
	}
}

func resultsFile() file {
	f := file{
		name: "results.yaml",
		header: `One scenario for every verification result code of the catalogue (faceid-api.md §5.1),
named <category>-<code>-<slug>. Select one with RuleId = its name.
- pass, liveness, lip, action, silent, reflection codes: one attempt whose liveness fails with the code.
- compare codes: one attempt with liveness 0 and that comparison code (2016 with similarity 45).
  With CheckMode 3 no comparison runs and the compare code is ignored.
- system codes: one attempt failing with the code, result errorCode the same.
- request, token and process codes: result errorCode with no attempt (the flow ended before any
  liveness attempt), except 16: three failed attempts, then "Retry limit has been reached".
Completion is auto: the outcome is applied as soon as the verification page is opened
(or when the control API completes the session).`,
	}
	for _, r := range catalog.Results() {
		name := ResultScenarioName(r)
		desc := fmt.Sprintf("Result %d %q (%s", r.Code, r.Message, r.Category)
		if r.Legacy {
			desc += ", legacy: only in the 2023 table"
		}
		desc += "): "
		var body []kv
		switch r.Category {
		case "pass":
			desc += "one attempt, liveness and comparison pass."
			body = []kv{{"attempts", seq(attempt(0))}}
		case "liveness", "lip", "action", "silent", "reflection":
			desc += fmt.Sprintf("one attempt whose liveness fails with %d; final ErrorCode %d.", r.Code, r.Code)
			body = []kv{{"attempts", seq(attempt(r.Code))}}
		case "compare":
			more := []kv{{"compare", num(r.Code)}}
			if r.Code == catalog.ResultLowSimilarity {
				more = append(more, kv{"similarity", flt(45)})
				desc += "liveness passes, the comparison scores 45 (< 70); final ErrorCode 2016."
			} else {
				desc += fmt.Sprintf("liveness passes, the comparison fails with %d; final ErrorCode %d.", r.Code, r.Code)
			}
			body = []kv{{"attempts", seq(attempt(0, more...))}}
		case "system":
			desc += fmt.Sprintf("one attempt failing with %d; final ErrorCode %d.", r.Code, r.Code)
			body = []kv{{"attempts", seq(attempt(r.Code))}, result(r.Code)}
		default: // request, token, process
			if r.Code == catalog.ResultRetryLimit {
				desc += "three attempts fail (1201, 1002, 1005), then the retry limit ends the flow; final ErrorCode 16."
				body = []kv{{"attempts", seq(attempt(1201), attempt(1002), attempt(1005))}, result(r.Code)}
			} else {
				desc += fmt.Sprintf("the flow ends with %d before any liveness attempt (no VerificationDetailList, no media).", r.Code)
				body = []kv{result(r.Code)}
			}
		}
		f.items = append(f.items, mapping(append([]kv{{"name", str(name)}, {"description", str(desc)}}, append(body, completion("auto"))...)...))
	}
	return f
}

func flowsFile() file {
	sc := func(name, desc string, body ...kv) *yaml.Node {
		return mapping(append([]kv{{"name", str(name)}, {"description", str(desc)}}, body...)...)
	}
	return file{
		name:   "flows.yaml",
		header: "Typical flows for merchant tests. Select one with RuleId = its name.",
		items: []*yaml.Node{
			sc("retry-then-pass", "The first attempt is rejected as a spoofed recording (1002), the second passes; "+
				"VerificationDetailList has two entries and the final ErrorCode is 0.",
				kv{"attempts", seq(attempt(1002), attempt(0))}, completion("auto")),
			sc("retries-exhausted", "Three attempts fail (1002, 1005, 1002) and the flow ends with 16 "+
				"\"Retry limit has been reached\". Pair it with Config.LivenessRetryLimit 3 for a realistic request.",
				kv{"attempts", seq(attempt(1002), attempt(1005), attempt(1002))}, result(catalog.ResultRetryLimit), completion("auto")),
			sc("pending-for-3-polls", "No browser needed: the first three GetWebVerificationResultIntl calls answer "+
				"pending (ErrorCode and the other result fields null), the fourth returns a pass.",
				kv{"attempts", seq(attempt(0))}, kv{"completion", flowMapping(kv{"mode", str("polls")}, kv{"polls", num(3)})}),
			sc("timeout", "The verification process times out before any liveness attempt: final ErrorCode 1409 "+
				"\"Verification process timed out\".",
				result(catalog.ResultTimeout), completion("auto")),
			sc("user-exit", "The user leaves the verification page before any liveness attempt: final ErrorCode 1410 "+
				"\"User exited voluntarily\".",
				result(catalog.ResultUserExit), completion("auto")),
			sc("token-expired", "The BizToken expires before the user finishes: final ErrorCode 15 \"Token expired\", "+
				"no attempt.",
				result(catalog.ResultTokenExpired), completion("auto")),
			sc("low-similarity", "Liveness passes but the face comparison scores 42.5 (< 70): "+
				"CompareErrorCode and final ErrorCode 2016.",
				kv{"attempts", seq(attempt(0, kv{"compare", num(catalog.ResultLowSimilarity)}, kv{"similarity", flt(42.5)}))}, completion("auto")),
			sc("plus-liveness-info-tag", "Liveness rejected as a spoofed recording (1002) with LivenessInfoTag [\"03\"] "+
				"(suspected re-photography attack); the tag is reported when Config.Version is PLUS, null otherwise.",
				kv{"attempts", seq(attempt(1002, kv{"livenessInfoTag", flowSeq(str("03"))}))}, completion("auto")),
		},
	}
}

func ocrFile() file {
	f := file{
		name: "ocr.yaml",
		header: `OCR outcomes for each Config.IDCardType (use with Config.CheckMode 1 or 4).
ocr-<type>-pass: OCRResult[0].IsPass true with the emulator's sample card; liveness passes.
ocr-<type>-fail: IsPass false with one OCR alarm in WarnCardInfos. The web flow has no ErrorCode
for OCR failures (faceid-api.md §5.1 "Outcomes with no documented number"), so the liveness
attempt passes and the final ErrorCode stays 0: merchants must check OCRResult[0].IsPass.`,
	}
	warn := []struct {
		code int
		what string
	}{{-9101, "incomplete border"}, {-9102, "photocopy"}, {-9103, "re-photographed"},
		{-9104, "PS (tampering)"}, {-9107, "reflection"}, {-9108, "blurry"}}
	for i, t := range catalog.IDCardTypes() {
		low := strings.ToLower(t)
		f.items = append(f.items, mapping(
			kv{"name", str("ocr-" + low + "-pass")},
			kv{"description", str(fmt.Sprintf("OCR of the %s passes (IsPass true, sample card fields); liveness and comparison pass; final ErrorCode 0.", t))},
			kv{"attempts", seq(attempt(0))},
			kv{"ocr", flowMapping(kv{"idCardType", str(t)}, kv{"isPass", boolean(true)})},
			completion("auto"),
		))
		w := warn[i%len(warn)]
		f.items = append(f.items, mapping(
			kv{"name", str("ocr-" + low + "-fail")},
			kv{"description", str(fmt.Sprintf("OCR of the %s fails: IsPass false, WarnCardInfos [%d] (%s). "+
				"No ErrorCode exists for OCR failures, so the liveness attempt passes and the final ErrorCode is 0; "+
				"check OCRResult[0].IsPass.", t, w.code, w.what))},
			kv{"attempts", seq(attempt(0))},
			kv{"ocr", flowMapping(kv{"idCardType", str(t)}, kv{"isPass", boolean(false)}, kv{"warnCardInfos", flowSeq(num(w.code))})},
			completion("auto"),
		))
	}
	return f
}

func apiErrorsFile() file {
	f := file{
		name: "api-errors.yaml",
		header: `API-level errors (Response.Error) of the two web actions, on every call.
api-apply-<code>: ApplyWebVerificationBizTokenIntl fails, so no session (no BizToken) is created;
  select these with RuleId at Apply.
api-get-<code>: the Apply succeeds and the session completes (auto), but every
  GetWebVerificationResultIntl call for it answers the error.
Messages are the catalogue texts.`,
	}
	add := func(prefix, action string, codes []string) {
		for _, c := range codes {
			e, ok := catalog.LookupAPIError(c)
			if !ok {
				panic("libgen: API error code not in the catalogue: " + c)
			}
			var desc string
			if action == "ApplyWebVerificationBizTokenIntl" {
				desc = fmt.Sprintf("ApplyWebVerificationBizTokenIntl answers %s %q; no session is created.", c, e.MessageEN)
			} else {
				desc = fmt.Sprintf("GetWebVerificationResultIntl answers %s %q on every call; the session itself completes with a pass.", c, e.MessageEN)
			}
			f.items = append(f.items, mapping(
				kv{"name", str(prefix + Slugify(c))},
				kv{"description", str(desc)},
				kv{"api", mapping(kv{action, flowMapping(kv{"error", flowMapping(kv{"code", str(c)})})})},
				completion("auto"),
			))
		}
	}
	add("api-apply-", "ApplyWebVerificationBizTokenIntl", ApplyErrorCodes())
	add("api-get-", "GetWebVerificationResultIntl", GetErrorCodes())
	return f
}

// SDKFlows are the catalogue's tables of the SDK token flows the library
// has a scenario per code for, in file order.
func SDKFlows() []string { return []string{"selfie", "ekyc", "liveness", "reflect"} }

// SDKScenarioName returns the library name of the scenario ending an SDK
// flow with a code: <flow>-<category>-<code>-<slug> for numeric codes
// ("selfie-liveness-1002-spoofed-recording", "-999" written 999), and
// <flow>-<category>-<code as a slug> for the named codes of reflect
// ("reflect-liveness-failedoperation-silentthreshold").
func SDKScenarioName(flow string, c catalog.FlowResult) string {
	n, err := strconv.Atoi(c.Code)
	if err != nil {
		return flow + "-" + c.Category + "-" + Slugify(c.Code)
	}
	slug, ok := Slugs()[n]
	if n < 0 {
		slug, ok = "not-finished", true
	}
	if !ok {
		slug = Slugify(c.Message)
	}
	name := fmt.Sprintf("%s-%s-%d", flow, c.Category, max(n, -n))
	if slug != "" {
		name += "-" + slug
	}
	return name
}

func sdkFlowsFile() file {
	f := file{
		name: "sdkflows.yaml",
		header: `One scenario for every result code of each SDK token flow (the catalogue's flow tables):
selfie (GetFaceIdTokenIntl → GetFaceIdResultIntl), ekyc (ApplySdkVerificationToken →
GetSdkVerificationResult), liveness (ApplyLivenessToken → GetLivenessResult) and reflect
(GenerateReflectSequence → DetectReflectLivenessAndCompare), named <flow>-<category>-<code>-<slug>.
Set one on a session with PUT /_emulator/sessions/{token}/scenario {"Scenario":"<name>"}, or select
it with a match rule or defaultFor. A pass or liveness code is one attempt with that result, a
comparison code one attempt whose liveness passes and whose comparison fails with it; other codes
end the SDK's run before any attempt. Completion is auto: the first result call (or the simulator
page opening) ends the run; reflect's detection call always does.`,
	}
	for _, key := range SDKFlows() {
		table, ok := catalog.LookupFlow(key)
		if !ok {
			panic("libgen: no catalogue table for SDK flow " + key)
		}
		for _, c := range table.Codes {
			desc := fmt.Sprintf("%s (%s → %s) ends with %s %q %q (%s).", key, table.Actions[0], table.Actions[1],
				table.Field, c.Code, c.Message, c.Category)
			f.items = append(f.items, mapping(
				kv{"name", str(SDKScenarioName(key, c))},
				kv{"description", str(desc)},
				kv{"for", str(key)},
				kv{"result", flowMapping(kv{"code", str(c.Code)})},
				completion("auto"),
			))
		}
	}
	return f
}

func faultsFile() file {
	sc := func(name, desc string, body ...kv) *yaml.Node {
		return mapping(append([]kv{{"name", str(name)}, {"description", str(desc)}}, append(body, completion("auto"))...)...)
	}
	fault := func(kind, what string) *yaml.Node {
		return sc("fault-"+kind, fmt.Sprintf("The first GetWebVerificationResultIntl call of each session %s; "+
			"the next call answers normally (a pass). Tests the merchant's retry.", what),
			kv{"api", mapping(kv{"GetWebVerificationResultIntl", flowMapping(kv{"fault", str(kind)}, kv{"times", num(1)})})})
	}
	return file{
		name: "faults.yaml",
		header: `Throttling, latency and transport faults, for testing merchant retries and timeouts.
"times" counts GetWebVerificationResultIntl calls per session (BizToken) and ApplyWebVerificationBizTokenIntl
calls per credential, that count restarting after the first Apply that passes.`,
		items: []*yaml.Node{
			sc("throttled-then-ok", "Each Apply answers RequestLimitExceeded twice before it passes, and so do the first two "+
				"GetWebVerificationResultIntl calls of each session; later calls answer normally and the verification passes.",
				kv{"api", mapping(kv{"*", flowMapping(kv{"error", flowMapping(kv{"code", str(catalog.RequestLimitExceeded)})}, kv{"times", num(2)})})}),
			sc("slow-api", "Every API call answers after 1500 ms; the verification passes.",
				kv{"api", mapping(kv{"*", flowMapping(kv{"latency", str("1500ms")})})}),
			fault("http-502", "answers HTTP 502 Bad Gateway"),
			fault("connection-reset", "has its TCP connection reset without an answer"),
			fault("truncated-body", "gets a response body cut short of its Content-Length"),
		},
	}
}
