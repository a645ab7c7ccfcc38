package libgen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/spec"
	"go.yaml.in/yaml/v3"
)

// APIOnlyScenarioName names the library scenario of one result code of an
// API-only action: <action-lowercase>-<category>-<code-slug>, where the code
// slug is Slugify(code) and a negative number's sign is written "minus-"
// ("-1" → "minus-1"), so that "-1" and "1" never share a name.
func APIOnlyScenarioName(action string, r catalog.FlowResult) string {
	code := r.Code
	prefix := ""
	if rest, ok := strings.CutPrefix(code, "-"); ok {
		code, prefix = rest, "minus-"
	}
	return strings.ToLower(action) + "-" + r.Category + "-" + prefix + Slugify(code)
}

// FailureResponse returns the members a failure scenario of flow f sets for
// result r (catalog.Flow.Response over the action's output model).
func FailureResponse(f catalog.Flow, r catalog.FlowResult) map[string]any {
	_, action, ok := spec.FindAction(f.Actions[0])
	return f.Response(r, func(name, typ string) bool {
		if !ok {
			return false
		}
		m, found := action.Output.Member(name)
		return found && m.Type == typ
	})
}

// yamlValue makes the node of a FailureResponse value.
func yamlValue(v any) *yaml.Node {
	switch x := v.(type) {
	case string:
		return str(x)
	case float64:
		return flt(x)
	case int:
		return num(x)
	case []any:
		items := make([]*yaml.Node, len(x))
		for i, e := range x {
			items[i] = yamlValue(e)
		}
		return flowSeq(items...)
	case map[string]any:
		return flowMapping(sortedKVs(x)...)
	}
	panic(fmt.Sprintf("libgen: no YAML form for %T", v))
}

// sortedKVs lists a map's entries with the given keys first, then by name.
func sortedKVs(m map[string]any, first ...string) []kv {
	var out []kv
	seen := map[string]bool{}
	for _, k := range first {
		if v, ok := m[k]; ok {
			out = append(out, kv{k, yamlValue(v)})
			seen[k] = true
		}
	}
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		out = append(out, kv{k, yamlValue(m[k])})
	}
	return out
}

func apiOnlyFile() file {
	f := file{
		name: "api-only.yaml",
		header: `One scenario for every documented failure code of every API-only action: each table of
catalog/flow-results.json that names one action (CompareFaceLiveness, LivenessCompare,
DetectAIFakeFaces, the document, bank-card and phone checks, ...). The pass is the default
answer and needs no scenario.
Named <action-lowercase>-<category>-<code-slug> (a negative code's sign written "minus-"), e.g.
comparefaceliveness-compare-failedoperation-comparelowsimilarity, bankcard2everification-verify-minus-1.
Each is "for" its action and scripts the action's answer: the result member and its message
(the catalogue's code and text), similarity 0 (45 for a low similarity), risk details.
Select one:
- per SecretId, without a restart: PUT /_emulator/secrets/{SecretId}/scenario {"Scenario":"<name>"}
  (Server.SetSecretScenario in Go); {"Scenario":""} goes back to the default;
- per call, from a user file: a scenario with the same api.<Action>.response and
  match.params on the request (for example match: {params: {Name: {exact: "mismatch"}}});
- per SecretId from a user file: a scenario with the same answer and defaultFor: [<SecretId>].
None of these actions takes a RuleId.`,
	}
	for _, fl := range catalog.APIOnlyFlows() {
		action := fl.Actions[0]
		for _, r := range fl.Codes[1:] {
			resp := FailureResponse(fl, r)
			desc := fmt.Sprintf("%s answers %s %q", action, fl.Field, r.Code)
			if fl.MessageField != "" {
				desc += fmt.Sprintf(" with %s %q", fl.MessageField, r.Message)
			} else {
				desc += fmt.Sprintf(" (%s)", r.Message)
			}
			desc += fmt.Sprintf(" (%s). Source: %s.", r.Category, r.Source)
			f.items = append(f.items, mapping(
				kv{"name", str(APIOnlyScenarioName(action, r))},
				kv{"description", str(desc)},
				kv{"for", str(action)},
				kv{"api", mapping(kv{action, flowMapping(kv{"response", flowMapping(sortedKVs(resp, fl.Field, fl.MessageField)...)})})},
			))
		}
	}
	return f
}
