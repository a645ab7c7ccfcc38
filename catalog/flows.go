package catalog

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

//go:embed flow-results.json
var flowResultsJSON []byte

// Flow is the result-code table of one token flow (an apply action and its
// result action, e.g. GetFaceIdTokenIntl → GetFaceIdResultIntl) or of one
// API-only action that reports a result code in its answer.
type Flow struct {
	// Key names the flow ("selfie", "ekyc", ...) or the API-only action.
	Key string `json:"-"`
	// Actions are the flow's actions, apply first.
	Actions []string `json:"actions"`
	// Field is the response member carrying the code; Type is "string" or
	// "int"; MessageField is the member carrying its text, if any.
	Field        string       `json:"field"`
	Type         string       `json:"type"`
	MessageField string       `json:"messageField"`
	Codes        []FlowResult `json:"codes"`
}

// FlowResult is one documented result code of a flow.
type FlowResult struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Category string `json:"category"`
	// Source says where the code is documented.
	Source string `json:"source"`
}

// Pass returns the flow's pass code (the first of the table).
func (f Flow) Pass() FlowResult {
	if len(f.Codes) == 0 {
		return FlowResult{}
	}
	return f.Codes[0]
}

// Lookup returns the entry of code.
func (f Flow) Lookup(code string) (FlowResult, bool) {
	for _, c := range f.Codes {
		if c.Code == code {
			return c, true
		}
	}
	return FlowResult{}, false
}

// flows is parsed once at init from the embedded table and never changed.
var flows = func() map[string]Flow {
	var file struct {
		Flows map[string]Flow `json:"flows"`
	}
	if err := json.Unmarshal(flowResultsJSON, &file); err != nil {
		panic(fmt.Sprintf("catalog: flow-results.json: %v", err))
	}
	for k, f := range file.Flows {
		f.Key = k
		file.Flows[k] = f
	}
	return file.Flows
}()

// LookupFlow returns the table of a flow or API-only action by key: the
// faceid flows of flow-results.json, then the ocr token flows of
// ocr-results.json (LookupOCRFlow).
func LookupFlow(key string) (Flow, bool) {
	if f, ok := flows[key]; ok {
		return f, true
	}
	o, ok := LookupOCRFlow(key)
	return o.Flow, ok
}

// FlowKeys lists the keys of every flow table, sorted.
func FlowKeys() []string {
	out := make([]string, 0, len(flows))
	for k := range flows {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// FlowOf returns the table that lists action, if any.
func FlowOf(action string) (Flow, bool) {
	for _, k := range FlowKeys() {
		for _, a := range flows[k].Actions {
			if a == action {
				return flows[k], true
			}
		}
	}
	return Flow{}, false
}

// APIOnlyFlows returns the tables of the API-only actions, in key order:
// the tables that name one action (a token flow's names its apply and its
// result action).
func APIOnlyFlows() []Flow {
	var out []Flow
	for _, k := range FlowKeys() {
		if f := flows[k]; len(f.Actions) == 1 {
			out = append(out, f)
		}
	}
	return out
}

// LowSimilarity is the similarity a result answer gives for a comparison
// below the passing standard (70); every other failure gives 0.
const LowSimilarity = 45.0

// Response returns the answer members of result r of an API-only action:
// the result member and its message, and the members that depend on them
// where the action's output has them (has reports a member of that name
// and spec type): Sim or Similarity (0 on a failure, LowSimilarity on a
// low-similarity code), and for a risk level DetectAIFakeFaces'
// AttackRiskDetailList, which "is returned only when AttackRiskLevel is
// High or Mid" (spec). The pass gives the result members only.
func (f Flow) Response(r FlowResult, has func(name, typ string) bool) map[string]any {
	out := map[string]any{f.Field: r.Code}
	if f.MessageField != "" {
		out[f.MessageField] = r.Message
	}
	if r.Category == "pass" {
		return out
	}
	for _, name := range []string{"Sim", "Similarity"} {
		if has(name, "float") {
			if strings.Contains(r.Code, "LowSimilarity") {
				out[name] = LowSimilarity
			} else {
				out[name] = 0.0
			}
		}
	}
	if r.Category == "risk" && has("AttackRiskDetailList", "list") {
		// A re-photography trace, the first type the spec lists.
		out["AttackRiskDetailList"] = []any{map[string]any{"Type": "SuspectedSpoofingAttack"}}
	}
	return out
}
