package scenarios

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/scenarios/internal/libgen"
)

func mustLibrary(t *testing.T) *Set {
	t.Helper()
	s, err := Library()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLibraryLoadsWithoutProblems(t *testing.T) {
	ps, err := NewParser()
	if err != nil {
		t.Fatal(err)
	}
	scs, probs := parseLibrary(ps)
	if len(probs) != 0 {
		t.Fatalf("library problems: %v", probs)
	}
	// 1 default + one per result code + 8 flows + 24 OCR + 14 API errors + 5
	// faults + one per failure code of each API-only action + one per code
	// of each SDK flow + the ocr document actions' outcomes.
	want := 1 + len(catalog.Results()) + 8 + 2*len(catalog.IDCardTypes()) + len(libgen.ApplyErrorCodes()) + len(libgen.GetErrorCodes()) + 5 +
		len(ocrOutcomes())
	for _, f := range catalog.APIOnlyFlows() {
		want += len(f.Codes) - 1
	}
	for _, key := range libgen.SDKFlows() {
		table, _ := catalog.LookupFlow(key)
		want += len(table.Codes)
	}
	// The card-verification flow: its statuses but PROCESSING, its
	// warnings and its result action's errors.
	cards, _ := catalog.LookupOCRFlow("cardverify")
	cardResult, _ := catalog.LookupOCR("GetCardVerificationExternalResult")
	want += len(cards.Codes) - 1 + len(cardResult.Warnings.Codes) + len(cardResult.Errors.Codes)
	if len(scs) != want {
		t.Errorf("library has %d scenarios, want %d", len(scs), want)
	}
	set := mustLibrary(t)
	if set.Len() != want {
		t.Errorf("Set.Len() = %d, want %d", set.Len(), want)
	}
	for _, s := range scs {
		// The loader leaves the spec checks out for the library (trusted):
		// they run here, in full.
		for _, p := range Validate(s) {
			t.Errorf("library scenario: %s", p)
		}
		if strings.TrimSpace(s.Description) == "" {
			t.Errorf("%s: no description", s.Name)
		}
		if !strings.HasPrefix(s.Source, "library/") || s.Line <= 0 {
			t.Errorf("%s: location %s:%d", s.Name, s.Source, s.Line)
		}
		mode := s.Completion.EffectiveMode()
		if s.For != "" {
			continue // not a web flow scenario: nothing completes
		}
		switch s.Name {
		case DefaultName:
			if mode != CompletionManual {
				t.Errorf("default: completion %q, want manual", mode)
			}
		case "pending-for-3-polls":
		default:
			if s.For != "" {
				break // a stateless action's scenario: nothing completes
			}
			if mode != CompletionAuto {
				t.Errorf("%s: completion %q, want auto", s.Name, mode)
			}
		}
	}
}

// TestLibraryCoversEveryResultCode asserts, against catalog.Results(), that
// the library has a <category>-<code>-<slug> scenario per code whose
// outcome carries that code in the right place.
func TestLibraryCoversEveryResultCode(t *testing.T) {
	set := mustLibrary(t)
	for _, r := range catalog.Results() {
		name := libgen.ResultScenarioName(r)
		t.Run(name, func(t *testing.T) {
			if !strings.HasPrefix(name, r.Category+"-"+strconv.Itoa(r.Code)) {
				t.Fatalf("name %q does not start with <category>-<code>", name)
			}
			sc, ok := set.Get(name)
			if !ok {
				t.Fatalf("no scenario %q for result %d", name, r.Code)
			}
			out := sc.Resolve(ResolveOptions{Compare: true})
			if out.ErrorCode != r.Code {
				t.Errorf("final ErrorCode %d, want %d", out.ErrorCode, r.Code)
			}
			if out.ErrorMsg != catalog.ResultMessage(r.Code) {
				t.Errorf("ErrorMsg %q, want %q", out.ErrorMsg, catalog.ResultMessage(r.Code))
			}
			last := func() AttemptOutcome {
				if len(out.Attempts) == 0 {
					t.Fatalf("no attempts")
				}
				return out.Attempts[len(out.Attempts)-1]
			}
			switch r.Category {
			case "pass":
				a := last()
				if a.LivenessErrorCode != 0 || a.CompareErrorCode == nil || *a.CompareErrorCode != 0 || a.Similarity < 70 {
					t.Errorf("pass attempt %+v", a)
				}
			case "liveness", "lip", "action", "silent", "reflection", "system":
				if a := last(); a.LivenessErrorCode != r.Code || a.CompareErrorCode != nil {
					t.Errorf("attempt %+v, want liveness %d and no comparison", a, r.Code)
				}
			case "compare":
				a := last()
				if a.LivenessErrorCode != 0 || a.CompareErrorCode == nil || *a.CompareErrorCode != r.Code {
					t.Errorf("attempt %+v, want liveness 0 compare %d", a, r.Code)
				}
				if r.Code == catalog.ResultLowSimilarity && a.Similarity >= catalog.PassThreshold {
					t.Errorf("2016 with similarity %v", a.Similarity)
				}
			case "process":
				if r.Code == catalog.ResultRetryLimit {
					if len(out.Attempts) < 2 {
						t.Errorf("16 with %d attempts", len(out.Attempts))
					}
					for _, a := range out.Attempts {
						if a.ErrorCode == 0 {
							t.Errorf("16 with a passing attempt")
						}
					}
				} else if len(out.Attempts) > 1 {
					t.Errorf("%d attempts", len(out.Attempts))
				}
			case "request", "token":
				if len(out.Attempts) != 0 {
					t.Errorf("%d attempts, want none", len(out.Attempts))
				}
			default:
				t.Errorf("category %q not covered by this test", r.Category)
			}
		})
	}
}

func TestLibraryNamedScenarios(t *testing.T) {
	set := mustLibrary(t)
	plain := ResolveOptions{Compare: true}
	tests := []struct {
		name     string
		opts     ResolveOptions
		code     int
		attempts int
		check    func(t *testing.T, sc *Scenario, out Outcome)
	}{
		{"default", plain, 0, 1, nil},
		{"pass-0", plain, 0, 1, nil},
		{"liveness-1002-spoofed-recording", plain, 1002, 1, nil},
		{"compare-2016-low-similarity", plain, 2016, 1, nil},
		{"process-1410-user-exit", plain, 1410, 0, nil},
		{"token-15-token-expired", plain, 15, 0, nil},
		{"request-1-invalid-parameter", plain, 1, 0, nil},
		{"system-4-internal-service-error", plain, 4, 1, nil},
		{"process-17-process-not-finished", plain, 17, 0, nil},
		{"retry-then-pass", plain, 0, 2, func(t *testing.T, _ *Scenario, out Outcome) {
			if out.Attempts[0].ErrorCode != 1002 || out.Attempts[1].ErrorCode != 0 {
				t.Errorf("attempts %+v", out.Attempts)
			}
		}},
		{"retries-exhausted", plain, 16, 3, nil},
		{"pending-for-3-polls", plain, 0, 1, func(t *testing.T, sc *Scenario, _ Outcome) {
			if sc.Completion.Mode != CompletionPolls || sc.Completion.Polls != 3 {
				t.Errorf("completion %+v", sc.Completion)
			}
		}},
		{"timeout", plain, 1409, 0, nil},
		{"user-exit", plain, 1410, 0, nil},
		{"token-expired", plain, 15, 0, nil},
		{"low-similarity", plain, 2016, 1, func(t *testing.T, _ *Scenario, out Outcome) {
			if out.Attempts[0].Similarity != 42.5 {
				t.Errorf("similarity %v", out.Attempts[0].Similarity)
			}
		}},
		{"plus-liveness-info-tag", ResolveOptions{Plus: true}, 1002, 1, func(t *testing.T, sc *Scenario, out Outcome) {
			if !slices.Equal(out.Attempts[0].LivenessInfoTag, []string{"03"}) {
				t.Errorf("tags %v", out.Attempts[0].LivenessInfoTag)
			}
			if basic := sc.Resolve(ResolveOptions{}); basic.Attempts[0].LivenessInfoTag != nil {
				t.Errorf("BASIC reports tags %v", basic.Attempts[0].LivenessInfoTag)
			}
		}},
		{"throttled-then-ok", plain, 0, 1, func(t *testing.T, sc *Scenario, _ Outcome) {
			for _, a := range []string{ActionApply, ActionGet} {
				b, ok := sc.Behavior(a)
				if !ok || b.Error == nil || b.Error.Code != catalog.RequestLimitExceeded || b.Times != 2 {
					t.Errorf("%s: %+v", a, b)
				}
			}
		}},
		{"slow-api", plain, 0, 1, func(t *testing.T, sc *Scenario, _ Outcome) {
			for _, a := range []string{ActionApply, ActionGet} {
				if b, _ := sc.Behavior(a); b.Latency.D() != 1500*time.Millisecond || b.Error != nil || b.Fault != "" {
					t.Errorf("%s: %+v", a, b)
				}
			}
		}},
	}
	for _, f := range []string{FaultHTTP502, FaultConnectionReset, FaultTruncatedBody} {
		f := f
		tests = append(tests, struct {
			name     string
			opts     ResolveOptions
			code     int
			attempts int
			check    func(t *testing.T, sc *Scenario, out Outcome)
		}{"fault-" + f, plain, 0, 1, func(t *testing.T, sc *Scenario, _ Outcome) {
			if b, ok := sc.Behavior(ActionGet); !ok || b.Fault != f || b.Times != 1 {
				t.Errorf("get: %+v", b)
			}
			if _, ok := sc.Behavior(ActionApply); ok {
				t.Errorf("apply has a behaviour")
			}
		}})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc, ok := set.Get(tc.name)
			if !ok {
				t.Fatalf("missing")
			}
			out := sc.Resolve(tc.opts)
			if out.ErrorCode != tc.code || len(out.Attempts) != tc.attempts {
				t.Fatalf("ErrorCode %d with %d attempts, want %d with %d", out.ErrorCode, len(out.Attempts), tc.code, tc.attempts)
			}
			if tc.check != nil {
				tc.check(t, sc, out)
			}
		})
	}
}

func TestLibraryOCRScenarios(t *testing.T) {
	set := mustLibrary(t)
	for _, typ := range catalog.IDCardTypes() {
		low := strings.ToLower(typ)
		pass, ok1 := set.Get("ocr-" + low + "-pass")
		fail, ok2 := set.Get("ocr-" + low + "-fail")
		if !ok1 || !ok2 {
			t.Errorf("%s: pass %v fail %v", typ, ok1, ok2)
			continue
		}
		if !pass.OCR.Pass() || pass.OCR.IDCardType != typ || len(pass.OCR.WarnCardInfos) != 0 {
			t.Errorf("%s pass: %+v", typ, pass.OCR)
		}
		if fail.OCR.Pass() || fail.OCR.IDCardType != typ || len(fail.OCR.WarnCardInfos) != 1 {
			t.Errorf("%s fail: %+v", typ, fail.OCR)
		}
		if out := fail.Resolve(ResolveOptions{Compare: true}); out.ErrorCode != 0 || len(out.Attempts) != 1 {
			t.Errorf("%s fail: final %d with %d attempts, want 0 with 1", typ, out.ErrorCode, len(out.Attempts))
		}
	}
}

func TestLibraryAPIErrorScenarios(t *testing.T) {
	set := mustLibrary(t)
	for _, tc := range []struct {
		prefix, action string
		codes          []string
	}{
		{"api-apply-", ActionApply, libgen.ApplyErrorCodes()},
		{"api-get-", ActionGet, libgen.GetErrorCodes()},
	} {
		for _, code := range tc.codes {
			name := tc.prefix + strings.ToLower(strings.ReplaceAll(code, ".", "-"))
			sc, ok := set.Get(name)
			if !ok {
				t.Errorf("missing %s", name)
				continue
			}
			b, ok := sc.Behavior(tc.action)
			if !ok || b.Error == nil || b.Error.Code != code || b.Times != 0 {
				t.Errorf("%s: behaviour %+v", name, b)
			}
			if _, ok := catalog.LookupAPIError(code); !ok {
				t.Errorf("%s: code not in catalogue", name)
			}
		}
	}
	if _, ok := set.Get("api-apply-unauthorizedoperation-arrears"); !ok {
		t.Error("api-apply-unauthorizedoperation-arrears missing (naming example of the brief)")
	}
}

// TestLibraryUpToDate fails when scenarios/library differs from what the
// generator writes: run `go generate ./scenarios`.
func TestLibraryUpToDate(t *testing.T) {
	want, err := libgen.Generate()
	if err != nil {
		t.Fatal(err)
	}
	got := LibraryFiles()
	for name, b := range want {
		if !bytes.Equal(got[name], b) {
			t.Errorf("library/%s is stale: run go generate ./scenarios", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("library/%s is not generated by libgen", name)
		}
	}
}

// TestLibraryAPIOnlyScenarios: every failure code of every API-only
// action's table (catalog/flow-results.json) has its scenario, named
// <action-lowercase>-<category>-<code-slug>, for that action, scripting
// its answer with the code and message, and passing the same checks as a
// user file (Validate); and the library has no other scenario for an
// API-only action.
func TestLibraryAPIOnlyScenarios(t *testing.T) {
	set := mustLibrary(t)
	flows := catalog.APIOnlyFlows()
	if len(flows) < 17 {
		t.Fatalf("%d API-only tables, want at least 17", len(flows))
	}
	want := map[string]bool{}
	for _, f := range flows {
		action := f.Actions[0]
		for _, r := range f.Codes[1:] {
			name := libgen.APIOnlyScenarioName(action, r)
			want[name] = true
			t.Run(name, func(t *testing.T) {
				if strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || strings.Contains(name, "--") || strings.HasSuffix(name, "-") {
					t.Errorf("name %q is not lower-case words joined by single dashes", name)
				}
				prefix := strings.ToLower(action) + "-" + r.Category + "-"
				if !strings.HasPrefix(name, prefix) {
					t.Errorf("name does not start with %q", prefix)
				}
				sc, ok := set.Get(name)
				if !ok {
					t.Fatal("missing from the library")
				}
				if ps := Validate(sc); len(ps) > 0 {
					t.Errorf("problems: %v", ps)
				}
				if sc.For != action {
					t.Errorf("for %q, want %q", sc.For, action)
				}
				if len(sc.API) != 1 {
					t.Errorf("api has %d entries, want only %s", len(sc.API), action)
				}
				b, ok := sc.API[action]
				if !ok || b.Error != nil || b.Fault != "" || b.Times != 0 || b.Latency != 0 {
					t.Fatalf("behaviour %+v, want a response only", b)
				}
				if got := b.Response[f.Field]; got != r.Code {
					t.Errorf("response.%s = %#v, want %q", f.Field, got, r.Code)
				}
				if f.MessageField != "" && b.Response[f.MessageField] != r.Message {
					t.Errorf("response.%s = %#v, want %q", f.MessageField, b.Response[f.MessageField], r.Message)
				}
				for _, sim := range []string{"Sim", "Similarity"} {
					v, ok := b.Response[sim]
					if !ok {
						continue
					}
					n, isNum := v.(float64)
					if !isNum || n >= 70 {
						t.Errorf("response.%s = %#v on a failure, want a number below 70", sim, v)
					}
				}
				if !strings.Contains(sc.Description, r.Code) || !strings.Contains(sc.Description, r.Source) {
					t.Errorf("description %q does not give the code and its source", sc.Description)
				}
			})
		}
	}
	for _, sc := range set.List() {
		for _, f := range flows {
			if sc.For == f.Actions[0] && !want[sc.Name] {
				t.Errorf("%s: a scenario for %s that is not generated from its table", sc.Name, sc.For)
			}
		}
	}
	// The brief's naming example.
	if _, ok := set.Get("comparefaceliveness-liveness-failedoperation-actionfirstaction"); !ok {
		t.Error("comparefaceliveness-liveness-failedoperation-actionfirstaction missing")
	}
}

// ocrOutcome is one scenario the library must have for an ocr document
// action: its name, the sample picture selecting it, and what it answers.
type ocrOutcome struct {
	action, name, picture string
	errorCode             string // the scripted API error, or
	warn                  string // the warning code in the response
}

// ocrOutcomes lists, from the catalogue, a pass, each warning and each
// error code of every ocr document action.
func ocrOutcomes() []ocrOutcome {
	var out []ocrOutcome
	for _, action := range catalog.OCRActionNames() {
		if action == "GetCardVerificationExternalResult" {
			continue
		}
		a, _ := catalog.LookupOCR(action)
		slug := "ocr-" + libgen.Kebab(action)
		if a.Pass != nil {
			out = append(out, ocrOutcome{action: action, name: slug + "-pass", picture: "pass"})
		}
		if w := a.Warnings; w != nil && w.Type == "int" {
			for _, c := range w.Codes {
				out = append(out, ocrOutcome{action: action, name: slug + "-warn" + c.Code, picture: catalog.OCRImageName("warn", c.Code), warn: c.Code})
			}
		}
		for _, c := range a.Errors.Codes {
			out = append(out, ocrOutcome{action: action, name: slug + "-error-" + libgen.Slugify(c), picture: catalog.OCRImageName("error", c), errorCode: c})
		}
	}
	return out
}

// TestLibraryOCRPictures: each ocr outcome scenario is the one selected
// for its action by its sample picture's SHA-256, and answers as named.
func TestLibraryOCRPictures(t *testing.T) {
	set := mustLibrary(t)
	for _, o := range ocrOutcomes() {
		img, ok := catalog.OCRImage(o.picture)
		if !ok {
			t.Fatalf("%s: no picture %s", o.name, o.picture)
		}
		sum := sha256.Sum256(img)
		sc, reason, _ := set.Select(SelectInput{Action: o.action, SecretID: "AKIDX", ImageSHA256: []string{hex.EncodeToString(sum[:])}})
		if sc.Name != o.name || reason != ReasonMatch {
			t.Errorf("%s with %s.png selects %s (%s), want %s", o.action, o.picture, sc.Name, reason, o.name)
			continue
		}
		b, _ := sc.Behavior(o.action)
		switch {
		case o.errorCode != "":
			if b.Error == nil || b.Error.Code != o.errorCode {
				t.Errorf("%s: error %+v, want %s", o.name, b.Error, o.errorCode)
			}
		case o.warn != "":
			if fmt.Sprint(b.Response["WarnCardInfos"]) != "["+o.warn+"]" {
				t.Errorf("%s: WarnCardInfos %v, want [%s]", o.name, b.Response["WarnCardInfos"], o.warn)
			}
		default:
			if len(b.Response) == 0 {
				t.Errorf("%s: no response", o.name)
			}
		}
		if other, _, _ := set.Select(SelectInput{Action: "HKIDCardOCRX", ImageSHA256: []string{hex.EncodeToString(sum[:])}}); other.Name == o.name {
			t.Errorf("%s is selected for another action", o.name)
		}
	}
}
