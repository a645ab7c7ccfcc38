package catalog_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"testing"
)

// The data files checked here are read from disk, not embedded: they are
// consumed by other packages, and this test only guards their consistency
// with the published API spec.
const (
	specPath        = "../spec/faceid-2018-03-01.api.json"
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

func (f *flowFile) note() string { return f.SourceNote }
func (f *flowFile) entries() int { return len(f.Flows) }

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

func loadSpec(t *testing.T) *apiSpec { return loadSpecFile(t, specPath, 30) }

func loadSpecFile(t *testing.T, path string, actions int) *apiSpec {
	t.Helper()
	var s apiSpec
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(s.Actions) != actions {
		t.Fatalf("%s: %d actions, want %d", path, len(s.Actions), actions)
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
