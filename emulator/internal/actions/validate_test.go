package actions

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

// The models below stand for generated ones: pointers with omitempty, as
// the generator writes request models.
type testInner struct {
	Mode *int64  `json:"Mode,omitempty"`
	Name *string `json:"Name,omitempty"`
}

type testRequest struct {
	URL   *string     `json:"URL,omitempty"`
	Image *string     `json:"Image,omitempty"`
	Extra *string     `json:"Extra,omitempty"`
	Level *int64      `json:"Level,omitempty"`
	Inner *testInner  `json:"Inner,omitempty"`
	List  []testInner `json:"List,omitempty"`
	Tags  []string    `json:"Tags,omitempty"`
}

func testObject() *spec.Object {
	f := func(v float64) *float64 { return &v }
	inner := &spec.Object{Name: "Inner", Members: []*spec.Member{
		{Name: "Mode", Type: "int", Elem: "int64", Rule: &spec.Rule{Enum: []json.RawMessage{json.RawMessage("1"), json.RawMessage("2")}}},
		{Name: "Name", Type: "string", Elem: "string", Required: true},
	}}
	return &spec.Object{Name: "Req", Members: []*spec.Member{
		{Name: "URL", Type: "string", Elem: "string", Required: true, Rule: &spec.Rule{Format: "url"}},
		{Name: "Image", Type: "string", Elem: "string", Rule: &spec.Rule{Format: "base64", MaxBytes: 12}},
		{Name: "Extra", Type: "string", Elem: "string", Rule: &spec.Rule{MaxLength: 3}},
		{Name: "Level", Type: "int", Elem: "int64", Rule: &spec.Rule{Min: f(1), Max: f(4)}},
		{Name: "Inner", Type: "object", Elem: "Inner", Object: inner},
		{Name: "List", Type: "list", Elem: "Inner", Object: inner},
		{Name: "Tags", Type: "list", Elem: "string", Rule: &spec.Rule{Enum: []json.RawMessage{json.RawMessage(`"a"`)}}},
	}}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		code     string // "" = valid
		inMsg    string // the parameter path the message must name
		inReason string
	}{
		{"minimal", `{"URL":"https://x.example/cb"}`, "", "", ""},
		{"everything", `{"URL":"http://x/","Image":"aGVsbG8=","Extra":"äöü","Level":4,"Inner":{"Mode":2,"Name":"n"},"List":[{"Name":"a"}],"Tags":["a"]}`, "", "", ""},
		{"missing required", `{}`, catalog.MissingParameter, "URL", ""},
		{"not a url", `{"URL":"example.com/cb"}`, catalog.InvalidParameterValue, "URL", "http"},
		{"bad base64", `{"URL":"http://x/","Image":"data:aGk="}`, catalog.InvalidParameterValue, "Image", "base64"},
		{"too big", `{"URL":"http://x/","Image":"aGVsbG8gd29ybGQhIQ=="}`, catalog.InvalidParameterValue, "Image", "12 bytes"},
		{"too long in characters", `{"URL":"http://x/","Extra":"abcd"}`, catalog.InvalidParameterValue, "Extra", "3 characters"},
		{"below range", `{"URL":"http://x/","Level":0}`, catalog.InvalidParameterValue, "Level", "1–4"},
		{"above range", `{"URL":"http://x/","Level":5}`, catalog.InvalidParameterValue, "Level", "1–4"},
		{"nested enum", `{"URL":"http://x/","Inner":{"Mode":3,"Name":"n"}}`, catalog.InvalidParameterValue, "Inner.Mode", "1, 2"},
		{"nested required", `{"URL":"http://x/","Inner":{"Mode":1}}`, catalog.MissingParameter, "Inner.Name", ""},
		{"required in a list item", `{"URL":"http://x/","List":[{"Name":"a"},{}]}`, catalog.MissingParameter, "List.1.Name", ""},
		{"enum of list items", `{"URL":"http://x/","Tags":["a","b"]}`, catalog.InvalidParameterValue, "Tags.1", "a"},
	}
	obj := testObject()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req testRequest
			if err := json.Unmarshal([]byte(tt.body), &req); err != nil {
				t.Fatal(err)
			}
			err := Validate(obj, &req)
			switch {
			case tt.code == "" && err != nil:
				t.Fatalf("Validate = %v, want valid", err)
			case tt.code == "":
				return
			case err == nil:
				t.Fatalf("Validate = nil, want %s", tt.code)
			case err.Code != tt.code:
				t.Errorf("code = %s, want %s (%v)", err.Code, tt.code, err)
			}
			msg := err.MessageIn(catalog.English)
			if !strings.Contains(msg, "`"+tt.inMsg+"`") {
				t.Errorf("message %q does not name the parameter `%s`", msg, tt.inMsg)
			}
			if !strings.Contains(msg, tt.inReason) {
				t.Errorf("message %q does not give the reason %q", msg, tt.inReason)
			}
		})
	}
}

// TestEveryPublishedExampleRequestIsValid: Tencent's own example requests
// pass the rules written from Tencent's documents, where they decode (a few
// examples carry truncated base64 placeholders, which the base64 rule rightly
// refuses; those are skipped by name).
func TestEveryPublishedExampleRequestIsValid(t *testing.T) {
	svc := spec.Faceid()
	for _, name := range svc.ActionNames {
		a := svc.Actions[name]
		for _, ex := range a.Examples {
			if ex.Request == nil || strings.Contains(string(ex.Request), "...") {
				continue
			}
			var fields map[string]any
			if err := json.Unmarshal(ex.Request, &fields); err != nil {
				t.Errorf("%s %q: %v", name, ex.Title, err)
				continue
			}
			if err := validateMap(a.Input, fields); err != nil {
				t.Errorf("%s %q: %v", name, ex.Title, err)
			}
		}
	}
}

// validateMap checks the required members and enums of a JSON object
// against obj, without a Go model (the test's own, simpler oracle).
func validateMap(obj *spec.Object, v map[string]any) error {
	for _, m := range obj.Members {
		val, ok := v[m.Name]
		if !ok {
			if m.Required {
				return &missingErr{m.Name}
			}
			continue
		}
		if m.Rule != nil && len(m.Rule.Enum) > 0 && m.Type != "list" {
			got, _ := json.Marshal(val)
			found := false
			for _, e := range m.Rule.Enum {
				if strings.Trim(string(e), `"`) == strings.Trim(string(got), `"`) {
					found = true
				}
			}
			if !found {
				return &enumErr{m.Name, string(got)}
			}
		}
	}
	return nil
}

type missingErr struct{ name string }

func (e *missingErr) Error() string { return "missing " + e.name }

type enumErr struct{ name, got string }

func (e *enumErr) Error() string { return e.name + " = " + e.got + " is not in its documented enum" }

func TestValidBase64(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"aGVsbG8=", true}, {"aGVsbA==", true}, {"aGVs", true}, {"/9j/4AAQSkZJRgABAQ==", true},
		{"", false}, {"aGVsbG8", false}, {"aGV=bG8=", false}, {"data:aGk=", false}, {"aGVs\n", false}, {"a===", false},
	} {
		if got := ValidBase64(tc.in); got != tc.want {
			t.Errorf("ValidBase64(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func FuzzValidBase64(f *testing.F) {
	for _, s := range []string{"aGVsbG8=", "aGVsbA==", "", "====", "ab=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := base64.StdEncoding.Strict().DecodeString(s)
		// The fast check accepts what the decoder accepts (but for the line
		// breaks the decoder skips, which an API parameter must not carry);
		// it may accept a few more (non-zero padding bits), never fewer.
		if err == nil && s != "" && !strings.ContainsAny(s, "\r\n") && !ValidBase64(s) {
			t.Errorf("ValidBase64(%q) = false, but it decodes", s)
		}
		if ValidBase64(s) {
			if _, err := base64.StdEncoding.DecodeString(s); err != nil {
				t.Errorf("ValidBase64(%q) = true, but it does not decode: %v", s, err)
			}
		}
	})
}
