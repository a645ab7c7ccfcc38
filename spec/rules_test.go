package spec

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/faceid-emulator/faceid-emulator/catalog"
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
					checkPixels(t, svc, obj, m.Rule)
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
	if r.Enum == nil && r.Min == nil && r.Max == nil && r.MaxLength == 0 && r.MaxBytes == 0 && r.Format == "" && r.Default == nil && r.Image == nil && r.Pixels == nil {
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

// checkPixels: a pixel range quotes its bounds and answers with codes the
// actions sending the object document (the parser checked its shape).
func checkPixels(t *testing.T, svc *Service, obj *Object, r *Rule) {
	p := r.Pixels
	if p == nil {
		return
	}
	for _, n := range append([]int{p.MinSide, p.MaxSide}, slices.Collect(maps.Values(p.MaxSideByFormat))...) {
		if !strings.Contains(r.Doc, fmt.Sprint(n)) {
			t.Errorf("pixels bound %d is not in the quoted doc %q", n, r.Doc)
		}
	}
	// "5 MB", "5M": a byte bound is quoted in MiB.
	if mib := fmt.Sprint(p.MaxBytes >> 20); p.MaxBytes > 0 && p.MaxBytes != p.MaxBytes>>20<<20 ||
		p.MaxBytes > 0 && !strings.Contains(r.Doc, mib+"M") && !strings.Contains(r.Doc, mib+" MB") {
		t.Errorf("pixels maxBytes %d is not a size in MiB that the quoted doc %q states", p.MaxBytes, r.Doc)
	}
	for _, a := range svc.Actions {
		if a.Input != obj {
			continue
		}
		for _, code := range []string{p.TooSmall, p.TooLarge} {
			if catalog.DocumentedFor(a.Name, code) != code {
				t.Errorf("pixels code %s is not documented for %s", code, a.Name)
			}
		}
	}
}

// TestPixelRuleChecked: a pixel range that cannot apply as written is
// refused when the spec is read, naming the rule.
func TestPixelRuleChecked(t *testing.T) {
	api := `{"metadata":{"apiVersion":"v","serviceShortName":"s"},"actions":{"A":{"input":"AReq","output":"AResp"}},
	"objects":{"AReq":{"members":[{"name":"Img","type":"string","member":"string"},{"name":"Text","type":"string","member":"string"},
	{"name":"Flag","type":"bool","member":"bool"}]},"AResp":{"members":[]}}}`
	image := `"image":{"source":"base64","formats":["PNG"],"maxBytes":10}`
	codes := `"tooSmall":"X.Small","tooLarge":"X.Large"`
	for _, tc := range []struct{ name, rules, wantErr string }{
		{"valid", `"AReq.Img":{` + image + `,"pixels":{"minSide":2,"maxSide":9,` + codes + `}},
			"AReq.Flag":{"pixels":{"when":true,"minSide":2,"maxSide":9,"maxSideByFormat":{"JPEG":12},"maxBytes":100,` + codes + `}}`, ""},
		{"misspelt key", `"AReq.Img":{` + image + `,"pixels":{"minSid":2,"maxSide":9,` + codes + `}}`, "minSid"},
		{"not an image", `"AReq.Text":{"pixels":{"minSide":2,"maxSide":9,` + codes + `}}`, "image member"},
		{"when on an image", `"AReq.Img":{` + image + `,"pixels":{"when":true,"minSide":2,"maxSide":9,` + codes + `}}`, "image member"},
		{"bool without when", `"AReq.Flag":{"pixels":{"minSide":2,"maxSide":9,` + codes + `}}`, "needs when"},
		{"inverted", `"AReq.Img":{` + image + `,"pixels":{"minSide":9,"maxSide":2,` + codes + `}}`, "minSide <= maxSide"},
		{"no codes", `"AReq.Img":{` + image + `,"pixels":{"minSide":2,"maxSide":9}}`, "tooSmall and tooLarge"},
		{"unknown format", `"AReq.Img":{` + image + `,"pixels":{"minSide":2,"maxSide":9,"maxSideByFormat":{"TIFF":12},` + codes + `}}`, "TIFF"},
		{"maxBytes without when", `"AReq.Img":{` + image + `,"pixels":{"minSide":2,"maxSide":9,"maxBytes":100,` + codes + `}}`, "maxBytes"},
		{"format under the minimum", `"AReq.Img":{` + image + `,"pixels":{"minSide":2,"maxSide":9,"maxSideByFormat":{"JPEG":1},` + codes + `}}`, "JPEG"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"x.api.json":      {Data: []byte(api)},
				"x.examples.json": {Data: []byte(`{"actions":{}}`)},
				"x.rules.json":    {Data: []byte(`{"_source_note":"n","rules":{` + tc.rules + `}}`)},
			}
			svc, err := parse(fsys, "x")
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if p := svc.Objects["AReq"].Members[2].Rule.Pixels; p.MaxSideFor("JPEG") != 12 || p.MaxSideFor("PNG") != 9 {
					t.Errorf("MaxSideFor JPEG %d, PNG %d, want 12 and 9", p.MaxSideFor("JPEG"), p.MaxSideFor("PNG"))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want one saying %q", err, tc.wantErr)
			}
		})
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
