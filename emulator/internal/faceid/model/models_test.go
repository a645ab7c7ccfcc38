package model

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const specPath = "../../../../spec/faceid-2018-03-01.api.json"

// generatedTypes names every struct in models_gen.go. TestModelsMatchSpec
// requires this set to equal the spec objects reachable from the two web
// actions, so a new spec object cannot be missed.
var generatedTypes = map[string]reflect.Type{
	"ApplyWebVerificationBizTokenIntlRequest":  reflect.TypeFor[ApplyWebVerificationBizTokenIntlRequest](),
	"ApplyWebVerificationBizTokenIntlResponse": reflect.TypeFor[ApplyWebVerificationBizTokenIntlResponse](),
	"GetWebVerificationResultIntlRequest":      reflect.TypeFor[GetWebVerificationResultIntlRequest](),
	"GetWebVerificationResultIntlResponse":     reflect.TypeFor[GetWebVerificationResultIntlResponse](),
	"WebVerificationConfigIntl":                reflect.TypeFor[WebVerificationConfigIntl](),
	"VerificationDetail":                       reflect.TypeFor[VerificationDetail](),
	"OCRResult":                                reflect.TypeFor[OCRResult](),
	"CardInfo":                                 reflect.TypeFor[CardInfo](),
	"NormalCardInfo":                           reflect.TypeFor[NormalCardInfo](),
	"HKIDCard":                                 reflect.TypeFor[HKIDCard](),
	"MLIDCard":                                 reflect.TypeFor[MLIDCard](),
	"PhilippinesVoteID":                        reflect.TypeFor[PhilippinesVoteID](),
	"IndonesiaIDCard":                          reflect.TypeFor[IndonesiaIDCard](),
	"PhilippinesDrivingLicense":                reflect.TypeFor[PhilippinesDrivingLicense](),
	"PhilippinesTinID":                         reflect.TypeFor[PhilippinesTinID](),
	"PhilippinesSSSID":                         reflect.TypeFor[PhilippinesSSSID](),
	"PhilippinesUMID":                          reflect.TypeFor[PhilippinesUMID](),
	"InternationalIDPassport":                  reflect.TypeFor[InternationalIDPassport](),
	"GeneralCard":                              reflect.TypeFor[GeneralCard](),
	"IndonesiaDrivingLicense":                  reflect.TypeFor[IndonesiaDrivingLicense](),
	"ThailandIDCard":                           reflect.TypeFor[ThailandIDCard](),
	"SingaporeIDCard":                          reflect.TypeFor[SingaporeIDCard](),
	"MacaoIDCard":                              reflect.TypeFor[MacaoIDCard](),
	"TaiWanIDCard":                             reflect.TypeFor[TaiWanIDCard](),
	"JapanIDCard":                              reflect.TypeFor[JapanIDCard](),
	"BangladeshIDCard":                         reflect.TypeFor[BangladeshIDCard](),
	"NigeriaIDCard":                            reflect.TypeFor[NigeriaIDCard](),
	"NigeriaDrivingLicense":                    reflect.TypeFor[NigeriaDrivingLicense](),
	"PakistanIDCard":                           reflect.TypeFor[PakistanIDCard](),
	"PakistanDrivingLicense":                   reflect.TypeFor[PakistanDrivingLicense](),
	"NormalHKIDCard":                           reflect.TypeFor[NormalHKIDCard](),
	"NormalMLIDCard":                           reflect.TypeFor[NormalMLIDCard](),
	"NormalIndonesiaIDCard":                    reflect.TypeFor[NormalIndonesiaIDCard](),
	"NormalThailandIDCard":                     reflect.TypeFor[NormalThailandIDCard](),
	"MainlandIDCard":                           reflect.TypeFor[MainlandIDCard](),
	"HMTPermit":                                reflect.TypeFor[HMTPermit](),
	"Address":                                  reflect.TypeFor[Address](),
}

type testSpec struct {
	Actions map[string]struct{ Input, Output string } `json:"actions"`
	Objects map[string]struct {
		Members []struct {
			Name             string `json:"name"`
			Type             string `json:"type"`
			Member           string `json:"member"`
			ValueAllowedNull bool   `json:"value_allowed_null"`
		} `json:"members"`
	} `json:"objects"`
}

func loadSpec(t *testing.T) testSpec {
	t.Helper()
	data, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	var sp testSpec
	if err := json.Unmarshal(data, &sp); err != nil {
		t.Fatal(err)
	}
	return sp
}

// reachable returns the objects reachable from the roots.
func (sp testSpec) reachable(roots ...string) map[string]bool {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, m := range sp.Objects[n].Members {
			if _, ok := sp.Objects[m.Member]; ok {
				visit(m.Member)
			}
		}
	}
	for _, r := range roots {
		visit(r)
	}
	return seen
}

// TestModelsMatchSpec checks, independently of the generator, that every
// reachable spec object has a struct whose fields match the spec members one
// to one (count, order, Go name, JSON tag) and have the documented shape.
func TestModelsMatchSpec(t *testing.T) {
	sp := loadSpec(t)
	apply, get := sp.Actions["ApplyWebVerificationBizTokenIntl"], sp.Actions["GetWebVerificationResultIntl"]
	in := sp.reachable(apply.Input, get.Input)
	all := sp.reachable(apply.Input, apply.Output, get.Input, get.Output)

	var missing, extra []string
	for n := range all {
		if _, ok := generatedTypes[n]; !ok {
			missing = append(missing, n)
		}
	}
	for n := range generatedTypes {
		if !all[n] {
			extra = append(extra, n)
		}
	}
	if len(missing)+len(extra) > 0 {
		slices.Sort(missing)
		slices.Sort(extra)
		t.Fatalf("generated types vs spec: missing %v, not in spec %v", missing, extra)
	}
	if len(all) != 37 {
		t.Errorf("reachable objects = %d, want 37", len(all))
	}

	for name, typ := range generatedTypes {
		members := sp.Objects[name].Members
		if typ.NumField() != len(members) {
			t.Errorf("%s: %d fields, spec has %d members", name, typ.NumField(), len(members))
			continue
		}
		for i, m := range members {
			f := typ.Field(i)
			tag := f.Tag.Get("json")
			wantTag := m.Name
			if in[name] {
				wantTag += ",omitempty"
			}
			if f.Name != m.Name || tag != wantTag {
				t.Errorf("%s field %d: %s `json:%q`, want %s `json:%q`", name, i, f.Name, tag, m.Name, wantTag)
			}
			if got, want := f.Type.String(), wantGoType(m.Type, m.Member, in[name], m.ValueAllowedNull); got != want {
				t.Errorf("%s.%s: type %s, want %s", name, m.Name, got, want)
			}
		}
	}
}

func wantGoType(typ, member string, input, nullable bool) string {
	scalar := map[string]string{"string": "string", "int64": "int64", "integer": "int64", "uint64": "uint64", "float": "float64", "bool": "bool"}
	switch typ {
	case "list":
		if s, ok := scalar[member]; ok {
			return "[]" + s
		}
		return "[]model." + member
	case "object":
		return "*model." + member
	}
	if input || nullable {
		return "*" + scalar[member]
	}
	return scalar[member]
}

// TestResponseNullsAreExplicit checks the JSON shape the real service sends:
// nullable members without a value are emitted as null, not omitted.
func TestResponseNullsAreExplicit(t *testing.T) {
	code, msg := int64(0), "Success, tap next to continue"
	ts, sim, seq := uint64(1789473304325), 0.0, "11a370d4-9a16-49c8-b1bb-74ad89ac6965"
	resp := GetWebVerificationResultIntlResponse{
		ErrorCode: &code, ErrorMsg: &msg,
		VerificationDetailList: []VerificationDetail{{
			ErrorCode: &code, ErrorMsg: &msg, LivenessErrorCode: &code, LivenessErrorMsg: &msg,
			ReqTimestamp: &ts, Seq: &seq, Similarity: &sim,
		}},
		RequestId: "e7ad0f19-0c3e-402f-9fb0-720dd7ed0d99",
	}
	got, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ErrorCode":0,"ErrorMsg":"Success, tap next to continue","VerificationDetailList":[{"ErrorCode":0,` +
		`"ErrorMsg":"Success, tap next to continue","LivenessErrorCode":0,"LivenessErrorMsg":"Success, tap next to continue",` +
		`"CompareErrorCode":null,"CompareErrorMsg":null,"ReqTimestamp":1789473304325,"Similarity":0,` +
		`"Seq":"11a370d4-9a16-49c8-b1bb-74ad89ac6965","LivenessInfoTag":null}],"VideoBase64":null,` +
		`"BestFrameBase64":null,"OCRResult":null,"Extra":null,"RequestId":"e7ad0f19-0c3e-402f-9fb0-720dd7ed0d99"}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	apply, err := json.Marshal(ApplyWebVerificationBizTokenIntlResponse{BizToken: "T", VerificationURL: "u", VerificationUrl: "u", RequestId: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"VerificationUrl":"u","BizToken":"T","VerificationURL":"u","RequestId":"r"}`; string(apply) != want {
		t.Errorf("got  %s\nwant %s", apply, want)
	}
}

// TestRequestAbsentVsZero checks that request fields distinguish absent from
// zero and omit absent ones when encoded.
func TestRequestAbsentVsZero(t *testing.T) {
	var req ApplyWebVerificationBizTokenIntlRequest
	if err := json.Unmarshal([]byte(`{"RedirectURL":"https://x/y","Config":{"AutoSkip":false,"CheckMode":0}}`), &req); err != nil {
		t.Fatal(err)
	}
	if req.Config == nil || req.Config.AutoSkip == nil || *req.Config.AutoSkip || req.Config.CheckMode == nil || *req.Config.CheckMode != 0 {
		t.Fatalf("explicit zero values lost: %+v", req.Config)
	}
	if req.Config.SecurityLevel != nil || req.Extra != nil {
		t.Fatal("absent fields should stay nil")
	}
	out, err := json.Marshal(GetWebVerificationResultIntlRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "{}" {
		t.Errorf("empty request encodes as %s, want {}", out)
	}
}

func TestDocCommentsPresent(t *testing.T) {
	src, err := os.ReadFile("models_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	if !strings.HasPrefix(lines[0], "// Code generated ") || !strings.HasSuffix(lines[0], " DO NOT EDIT.") {
		t.Errorf("header line = %q", lines[0])
	}
	for i, l := range lines {
		trim := strings.TrimSpace(l)
		isDecl := strings.HasPrefix(l, "type ") || (strings.HasPrefix(l, "\t") && strings.Contains(l, "`json:"))
		if !isDecl {
			continue
		}
		prev := strings.TrimSpace(lines[i-1])
		if !strings.HasPrefix(prev, "//") {
			t.Errorf("line %d %q has no doc comment", i+1, trim)
		}
	}
}
