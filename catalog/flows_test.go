package catalog

import (
	"reflect"
	"testing"
)

func TestAPIOnlyFlows(t *testing.T) {
	flows := APIOnlyFlows()
	if len(flows) != 17 {
		t.Errorf("%d API-only tables, want 17", len(flows))
	}
	for _, f := range flows {
		if len(f.Actions) != 1 || f.Actions[0] != f.Key {
			t.Errorf("%s: actions %v, want the key alone", f.Key, f.Actions)
		}
	}
	if _, ok := FlowOf("GetFaceIdResultIntl"); !ok {
		t.Error("FlowOf(GetFaceIdResultIntl) found no table")
	}
}

func TestFlowResponse(t *testing.T) {
	compare, _ := LookupFlow("CompareFaceLiveness")
	risk, _ := LookupFlow("DetectAIFakeFaces")
	bank, _ := LookupFlow("BankCard2EVerification")
	hasSim := func(name, typ string) bool { return name == "Sim" && typ == "float" }
	hasList := func(name, typ string) bool { return name == "AttackRiskDetailList" && typ == "list" }
	none := func(string, string) bool { return false }
	code := func(f Flow, c string) FlowResult {
		r, ok := f.Lookup(c)
		if !ok {
			t.Fatalf("%s has no code %s", f.Key, c)
		}
		return r
	}
	for _, tc := range []struct {
		name string
		flow Flow
		r    FlowResult
		has  func(string, string) bool
		want map[string]any
	}{
		{"pass", compare, compare.Pass(), hasSim, map[string]any{"Result": "Success", "Description": "Success"}},
		{"low similarity", compare, code(compare, "FailedOperation.CompareLowSimilarity"), hasSim, map[string]any{
			"Result": "FailedOperation.CompareLowSimilarity", "Description": code(compare, "FailedOperation.CompareLowSimilarity").Message, "Sim": LowSimilarity}},
		{"liveness failure", compare, code(compare, "FailedOperation.ActionFirstAction"), hasSim, map[string]any{
			"Result": "FailedOperation.ActionFirstAction", "Description": "No movement is detected.", "Sim": 0.0}},
		{"risk, no message member", risk, code(risk, "High"), hasList, map[string]any{
			"AttackRiskLevel":      "High",
			"AttackRiskDetailList": []any{map[string]any{"Type": "SuspectedSpoofingAttack"}}}},
		{"no dependent members", bank, code(bank, "-1"), none, map[string]any{"Result": "-1", "Description": "Authentication failed"}},
	} {
		if got := tc.flow.Response(tc.r, tc.has); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Response = %v, want %v", tc.name, got, tc.want)
		}
	}
}
