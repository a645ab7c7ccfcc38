package spec

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"testing/fstest"
)

// TestRules: every rule of every embedded rules file sits on a member of a
// request-side object (the parser already refused unknown keys and members
// the spec lacks), states a constraint, says where it comes from, and is
// consistent with the member's type and with itself.
func TestRules(t *testing.T) {
	for _, p := range Prefixes() {
		svc, err := Load(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		inputs := map[*Object]bool{}
		for _, a := range svc.Actions {
			markInputs(a.Input, inputs)
		}
		n := 0
		for _, obj := range svc.Objects {
			for _, m := range obj.Members {
				if m.Rule == nil {
					continue
				}
				n++
				t.Run(p+"/"+obj.Name+"."+m.Name, func(t *testing.T) {
					if !inputs[obj] {
						t.Errorf("%s is not sent by any action's request", obj.Name)
					}
					checkRule(t, m, m.Rule)
				})
			}
		}
		if n == 0 {
			t.Errorf("%s: no rules", p)
		}
	}
}

func markInputs(o *Object, seen map[*Object]bool) {
	if o == nil || seen[o] {
		return
	}
	seen[o] = true
	for _, m := range o.Members {
		markInputs(m.Object, seen)
	}
}

func checkRule(t *testing.T, m *Member, r *Rule) {
	// For list members the enum constrains each item, so it takes the item type.
	scalar := m.Type
	if m.Type == "list" {
		scalar = m.Elem
	}
	if r.Doc == "" {
		t.Error("doc is empty")
	}
	if r.Enum == nil && r.Min == nil && r.Max == nil && r.MaxLength == 0 && r.MaxBytes == 0 && r.Format == "" && r.Default == nil && r.Image == nil {
		t.Error("rule states no constraint")
	}
	if r.Image != nil {
		if scalar != "string" {
			t.Errorf("image rule on a %s member", scalar)
		}
		if (r.Image.Source != "base64" && r.Image.Source != "url") || len(r.Image.Formats) == 0 || r.Image.MaxBytes <= 0 {
			t.Errorf("image rule %+v: want a source (base64, url), formats and maxBytes", *r.Image)
		}
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
	if (r.Min != nil || r.Max != nil) && m.Type != "int" {
		t.Errorf("min/max on a %s member", m.Type)
	}
	if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
		t.Errorf("min %v > max %v", *r.Min, *r.Max)
	}
	if (r.MaxLength != 0 || r.MaxBytes != 0 || r.Format != "") && m.Type != "string" {
		t.Errorf("maxLength/maxBytes/format on a %s member", m.Type)
	}
	if r.MaxLength < 0 || r.MaxBytes < 0 {
		t.Errorf("maxLength %d / maxBytes %d, want > 0", r.MaxLength, r.MaxBytes)
	}
	switch r.Format {
	case "", "base64", "url", "image-base64", "video-base64", "media-base64":
	default:
		t.Errorf("format %q, want base64, image-base64, video-base64, media-base64 or url", r.Format)
	}
	if r.MediaError != "" && !strings.HasSuffix(r.Format, "-base64") {
		t.Errorf("mediaError %q on format %q, want an image-, video- or media-base64 member", r.MediaError, r.Format)
	}
	if m.Type == "int" && r.Default != nil {
		var d float64
		if err := json.Unmarshal(r.Default, &d); err == nil {
			if (r.Min != nil && d < *r.Min) || (r.Max != nil && d > *r.Max) {
				t.Errorf("default %v outside [min, max]", d)
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
	case "int", "int64", "integer", "uint64":
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

// TestRulesFileIsStrict: a misspelt key in a rules file is an error, not a
// rule silently not applied.
func TestRulesFileIsStrict(t *testing.T) {
	var f rulesFile
	fsys := fstest.MapFS{"x.rules.json": {Data: []byte(`{"_source_note":"n","rules":{"A.B":{"maxLenght":3}}}`)}}
	err := readJSONStrict(fsys, "x.rules.json", &f)
	if err == nil || !strings.Contains(err.Error(), "maxLenght") {
		t.Errorf("err = %v, want the unknown key named", err)
	}
}
