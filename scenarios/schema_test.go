package scenarios

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

func schemaDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(SchemaJSON(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func schemaDef(t *testing.T, doc map[string]any, name string) map[string]any {
	t.Helper()
	defs := doc["$defs"].(map[string]any)
	d, ok := defs[name].(map[string]any)
	if !ok {
		t.Fatalf("schema has no $defs/%s", name)
	}
	return d
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestSchemaMatchesGoTypes keeps the Go types and schema.json in sync: every
// file-format field (json tag, equal to the yaml tag) of each type is a
// property of its schema definition and vice versa.
func TestSchemaMatchesGoTypes(t *testing.T) {
	doc := schemaDoc(t)
	for _, tc := range []struct {
		def string
		typ reflect.Type
	}{
		{"scenario", reflect.TypeFor[Scenario]()},
		{"attempt", reflect.TypeFor[Attempt]()},
		{"result", reflect.TypeFor[Result]()},
		{"ocr", reflect.TypeFor[OCR]()},
		{"media", reflect.TypeFor[Media]()},
		{"completion", reflect.TypeFor[Completion]()},
		{"apiBehavior", reflect.TypeFor[APIBehavior]()},
		{"apiError", reflect.TypeFor[APIError]()},
		{"match", reflect.TypeFor[Match]()},
		{"stringMatch", reflect.TypeFor[StringMatch]()},
	} {
		t.Run(tc.def, func(t *testing.T) {
			var goKeys []string
			for i := 0; i < tc.typ.NumField(); i++ {
				f := tc.typ.Field(i)
				if !f.IsExported() {
					continue
				}
				jsonName, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				yamlName, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
				if jsonName == "" {
					t.Errorf("%s.%s has no json tag", tc.typ.Name(), f.Name)
					continue
				}
				if yamlName == "-" {
					continue // set by the loader, not part of the file format
				}
				if yamlName != jsonName {
					t.Errorf("%s.%s: yaml tag %q differs from json tag %q", tc.typ.Name(), f.Name, yamlName, jsonName)
				}
				goKeys = append(goKeys, jsonName)
			}
			sort.Strings(goKeys)
			props, _ := schemaDef(t, doc, tc.def)["properties"].(map[string]any)
			schemaKeys := keys(props)
			if !slices.Equal(goKeys, schemaKeys) {
				t.Errorf("Go fields %v, schema properties %v", goKeys, schemaKeys)
			}
			for _, k := range schemaKeys {
				p := props[k].(map[string]any)
				if _, ref := p["$ref"]; !ref && p["description"] == nil {
					t.Errorf("property %s has no description", k)
				}
			}
			if schemaDef(t, doc, tc.def)["additionalProperties"] != false {
				t.Errorf("%s allows additional properties", tc.def)
			}
		})
	}
	api := schemaDef(t, doc, "api")["properties"].(map[string]any)
	want := append([]string{ActionAny}, spec.AllActionNames()...)
	sort.Strings(want)
	if got := keys(api); !slices.Equal(got, want) {
		t.Errorf("api keys %v, want the spec's actions and \"*\" %v (run go generate ./scenarios)", got, want)
	}
}

func enumOf(t *testing.T, v any) []string {
	t.Helper()
	m := v.(map[string]any)
	if items, ok := m["items"]; ok {
		m = items.(map[string]any)
	}
	var out []string
	for _, e := range m["enum"].([]any) {
		switch x := e.(type) {
		case string:
			out = append(out, x)
		case float64:
			out = append(out, strconv.Itoa(int(x)))
		}
	}
	return out
}

func TestSchemaEnumsMatchGo(t *testing.T) {
	doc := schemaDoc(t)
	prop := func(def, name string) any {
		return schemaDef(t, doc, def)["properties"].(map[string]any)[name]
	}
	var apiCodes []string
	for _, e := range catalog.APIErrors() {
		apiCodes = append(apiCodes, e.Code)
	}
	var warn []string
	for _, w := range catalog.WarnCardInfoCodes() {
		warn = append(warn, strconv.Itoa(w))
	}
	for _, tc := range []struct {
		what string
		got  []string
		want []string
	}{
		{"apiError.code", enumOf(t, prop("apiError", "code")), apiCodes},
		{"ocr.idCardType", enumOf(t, prop("ocr", "idCardType")), catalog.IDCardTypes()},
		{"ocr.warnCardInfos", enumOf(t, prop("ocr", "warnCardInfos")), warn},
		{"media.bestFrame", enumOf(t, prop("media", "bestFrame")), []string{MediaSample, MediaCompareImage, MediaNone}},
		{"media.video", enumOf(t, prop("media", "video")), []string{MediaSample, MediaNone}},
		{"completion.mode", enumOf(t, prop("completion", "mode")), []string{CompletionManual, CompletionAuto, CompletionPolls}},
		{"apiBehavior.fault", enumOf(t, prop("apiBehavior", "fault")), []string{FaultHTTP502, FaultConnectionReset, FaultTruncatedBody}},
		{"attempt.livenessInfoTag", enumOf(t, prop("attempt", "livenessInfoTag")), []string{"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14"}},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("%s enum %v, want %v", tc.what, tc.got, tc.want)
		}
	}
	if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" || doc["$id"] != SchemaURL {
		t.Errorf("$schema %v $id %v", doc["$schema"], doc["$id"])
	}
}
