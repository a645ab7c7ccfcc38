package catalog_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/catalog"
)

// The data files checked here are read from disk, not embedded: they are
// consumed by other packages, and this test only guards their consistency
// with the published API spec.
const (
	specPath        = "../spec/faceid-2018-03-01.api.json"
	rulesPath       = "../spec/faceid-2018-03-01.rules.json"
	flowResultsPath = "flow-results.json"
)

// apiSpec is the part of Tencent's api.json the checks need.
type apiSpec struct {
	Actions map[string]struct {
		Input  string `json:"input"`
		Output string `json:"output"`
	} `json:"actions"`
	Objects map[string]struct {
		Members []specMember `json:"members"`
	} `json:"objects"`
}

type specMember struct {
	Name   string `json:"name"`
	Type   string `json:"type"`   // string, int, float, bool, object, list
	Member string `json:"member"` // the scalar type (string, int64, ...) or object name
}

func (s *apiSpec) member(object, name string) (specMember, bool) {
	for _, m := range s.Objects[object].Members {
		if m.Name == name {
			return m, true
		}
	}
	return specMember{}, false
}

// inputObjects returns every object reachable from an action's request.
func (s *apiSpec) inputObjects() map[string]bool {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		for _, m := range s.Objects[name].Members {
			if _, ok := s.Objects[m.Member]; ok && (m.Type == "object" || m.Type == "list") {
				walk(m.Member)
			}
		}
	}
	for _, a := range s.Actions {
		walk(a.Input)
	}
	return seen
}

type flowFile struct {
	SourceNote string          `json:"_source_note"`
	Flows      map[string]flow `json:"flows"`
}

type flow struct {
	Actions      []string   `json:"actions"`
	Field        string     `json:"field"`
	Type         string     `json:"type"`
	MessageField *string    `json:"messageField"`
	Codes        []flowCode `json:"codes"`
}

type flowCode struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Category string `json:"category"`
	Source   string `json:"source"`
}

type rulesFile struct {
	SourceNote string          `json:"_source_note"`
	Rules      map[string]rule `json:"rules"`
}

type rule struct {
	Enum       []json.RawMessage `json:"enum"`
	Min        *int64            `json:"min"`
	Max        *int64            `json:"max"`
	MaxLength  *int              `json:"maxLength"`
	MaxBytes   *int              `json:"maxBytes"`
	Format     string            `json:"format"`
	MediaError string            `json:"mediaError"`
	Default    json.RawMessage   `json:"default"`
	Fallback   bool              `json:"fallback"`
	Doc        string            `json:"doc"`
}

func (f *flowFile) note() string  { return f.SourceNote }
func (f *flowFile) entries() int  { return len(f.Flows) }
func (f *rulesFile) note() string { return f.SourceNote }
func (f *rulesFile) entries() int { return len(f.Rules) }

// loadDataFile decodes a data file strictly: any key the types above do not
// name fails, so a typo is reported instead of silently ignored. The file
// must say where its data comes from and hold at least one entry.
func loadDataFile(t *testing.T, path string, v interface {
	note() string
	entries() int
}) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if v.note() == "" {
		t.Errorf("%s: _source_note is empty", path)
	}
	if v.entries() == 0 {
		t.Fatalf("%s: no entries", path)
	}
}

func loadSpec(t *testing.T) *apiSpec {
	t.Helper()
	var s apiSpec
	b, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", specPath, err)
	}
	if len(s.Actions) != 30 {
		t.Fatalf("%s: %d actions, want 30", specPath, len(s.Actions))
	}
	return &s
}

var flowCategories = map[string]bool{
	"pass": true, "liveness": true, "compare": true, "ocr": true, "identity": true, "verify": true,
	"request": true, "media": true, "limit": true, "system": true, "process": true, "risk": true,
}

func TestFlowResults(t *testing.T) {
	spec := loadSpec(t)
	var f flowFile
	loadDataFile(t, flowResultsPath, &f)
	for _, key := range []string{"selfie", "ekyc", "liveness", "reflect", "nfc"} {
		if _, ok := f.Flows[key]; !ok {
			t.Errorf("flow %q is missing", key)
		}
	}
	for key, fl := range f.Flows {
		t.Run(key, func(t *testing.T) { checkFlow(t, spec, fl) })
	}
}

func checkFlow(t *testing.T, spec *apiSpec, fl flow) {
	if len(fl.Actions) == 0 {
		t.Fatal("actions is empty")
	}
	for _, a := range fl.Actions {
		if _, ok := spec.Actions[a]; !ok {
			t.Errorf("action %q is not in the spec", a)
		}
	}
	// The code is carried by the response of the last action of the flow.
	last, ok := spec.Actions[fl.Actions[len(fl.Actions)-1]]
	if !ok {
		return
	}
	out := last.Output
	m, ok := spec.member(out, fl.Field)
	if !ok {
		t.Errorf("field %q is not a member of %s", fl.Field, out)
	} else if want := map[string]string{"string": "string", "int": "int"}[fl.Type]; want == "" || m.Type != want {
		t.Errorf("type %q does not match %s.%s of type %q", fl.Type, out, fl.Field, m.Type)
	}
	if fl.MessageField != nil {
		if _, ok := spec.member(out, *fl.MessageField); !ok {
			t.Errorf("messageField %q is not a member of %s", *fl.MessageField, out)
		}
	}
	if len(fl.Codes) == 0 {
		t.Fatal("codes is empty")
	}
	if fl.Codes[0].Category != "pass" {
		t.Errorf("first code %q has category %q, want pass", fl.Codes[0].Code, fl.Codes[0].Category)
	}
	seen := map[string]bool{}
	for i, c := range fl.Codes {
		if seen[c.Code] {
			t.Errorf("code %q appears twice", c.Code)
		}
		seen[c.Code] = true
		if c.Code == "" || c.Message == "" || c.Source == "" {
			t.Errorf("code #%d %+v lacks code, message or source", i, c)
		}
		if !flowCategories[c.Category] {
			t.Errorf("code %q: unknown category %q", c.Code, c.Category)
		}
		if i > 0 && c.Category == "pass" {
			t.Errorf("code %q: only the first code may be the pass code", c.Code)
		}
		if fl.Type == "int" {
			if _, err := strconv.Atoi(c.Code); err != nil {
				t.Errorf("code %q is not an integer though type is int", c.Code)
			}
		}
	}
}

func TestInputRules(t *testing.T) {
	spec := loadSpec(t)
	var f rulesFile
	loadDataFile(t, rulesPath, &f)
	inputs := spec.inputObjects()
	for key, r := range f.Rules {
		t.Run(key, func(t *testing.T) {
			obj, name, ok := cutDot(key)
			if !ok || !inputs[obj] {
				t.Fatalf("%q does not name an input object of any action", key)
			}
			m, ok := spec.member(obj, name)
			if !ok {
				t.Fatalf("%s has no member %q", obj, name)
			}
			checkRule(t, m, r)
		})
	}
}

func cutDot(key string) (string, string, bool) {
	for i := 0; i < len(key); i++ {
		if key[i] == '.' {
			return key[:i], key[i+1:], i > 0 && i < len(key)-1
		}
	}
	return "", "", false
}

func checkRule(t *testing.T, m specMember, r rule) {
	// For list members the enum constrains each item, so it takes the item type.
	scalar := m.Type
	if m.Type == "list" {
		scalar = m.Member
	}
	if r.Doc == "" {
		t.Error("doc is empty")
	}
	if r.Enum == nil && r.Min == nil && r.Max == nil && r.MaxLength == nil && r.MaxBytes == nil && r.Format == "" && r.Default == nil {
		t.Error("rule states no constraint")
	}
	seen := map[string]bool{}
	for _, v := range r.Enum {
		if err := matchesType(v, scalar); err != nil {
			t.Errorf("enum value %s: %v", v, err)
		}
		if seen[string(v)] {
			t.Errorf("enum value %s appears twice", v)
		}
		seen[string(v)] = true
	}
	if r.Default != nil {
		if err := matchesType(r.Default, m.Type); err != nil {
			t.Errorf("default %s: %v", r.Default, err)
		}
		if len(r.Enum) > 0 && !seen[string(r.Default)] {
			t.Errorf("default %s is not one of the enum values", r.Default)
		}
	}
	isInt := m.Type == "int"
	if (r.Min != nil || r.Max != nil) && !isInt {
		t.Errorf("min/max on a %s member", m.Type)
	}
	if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
		t.Errorf("min %d > max %d", *r.Min, *r.Max)
	}
	if (r.MaxLength != nil || r.MaxBytes != nil || r.Format != "") && m.Type != "string" {
		t.Errorf("maxLength/maxBytes/format on a %s member", m.Type)
	}
	for name, p := range map[string]*int{"maxLength": r.MaxLength, "maxBytes": r.MaxBytes} {
		if p != nil && *p <= 0 {
			t.Errorf("%s = %d, want > 0", name, *p)
		}
	}
	switch r.Format {
	case "", "base64", "url", "image-base64", "video-base64", "media-base64":
	default:
		t.Errorf("format %q, want base64, image-base64, video-base64, media-base64 or url", r.Format)
	}
	if r.MediaError != "" {
		if !strings.HasSuffix(r.Format, "-base64") {
			t.Errorf("mediaError %q on format %q, want an image-, video- or media-base64 member", r.MediaError, r.Format)
		}
		if _, ok := catalog.LookupAPIError(r.MediaError); !ok {
			t.Errorf("mediaError %q is not a catalogue code", r.MediaError)
		}
	}
	if isInt && r.Default != nil {
		var d int64
		if err := json.Unmarshal(r.Default, &d); err == nil {
			if (r.Min != nil && d < *r.Min) || (r.Max != nil && d > *r.Max) {
				t.Errorf("default %d outside [min, max]", d)
			}
		}
	}
}

// matchesType reports whether a JSON value fits a spec member type.
func matchesType(v json.RawMessage, typ string) error {
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return err
	}
	switch typ {
	case "string":
		if _, ok := x.(string); !ok {
			return fmt.Errorf("want a JSON string for a string member")
		}
	case "bool":
		if _, ok := x.(bool); !ok {
			return fmt.Errorf("want a JSON boolean for a bool member")
		}
	case "int", "int64", "uint64":
		n, ok := x.(float64)
		if !ok || n != math.Trunc(n) {
			return fmt.Errorf("want a JSON integer for an %s member", typ)
		}
		if typ == "uint64" && n < 0 {
			return fmt.Errorf("negative value for a uint64 member")
		}
	case "float":
		if _, ok := x.(float64); !ok {
			return fmt.Errorf("want a JSON number for a float member")
		}
	default:
		return fmt.Errorf("member type %q takes no enum/default", typ)
	}
	return nil
}
