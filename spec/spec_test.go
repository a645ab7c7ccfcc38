package spec

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestServices: every embedded service has the published action count,
// and every action a readable example (or is listed as having none).
func TestServices(t *testing.T) {
	want := map[string]struct {
		name, version string
		actions       int
		// noExample lists actions whose published examples are all unreadable.
		noExample []string
	}{
		"faceid-2018-03-01": {"faceid", "2018-03-01", 30, nil},
		// GeneralAccurateOCR: the one example has unescaped quotes inside
		// a string (DetectedText), which no safe repair can undo.
		"ocr-2018-11-19": {"ocr", "2018-11-19", 31, []string{"GeneralAccurateOCR"}},
	}
	if got := Prefixes(); len(got) != len(want) {
		t.Fatalf("embedded services %v, want %d", got, len(want))
	}
	for prefix, w := range want {
		s, err := Load(prefix)
		if err != nil {
			t.Fatalf("%s: %v", prefix, err)
		}
		if s.Name != w.name || s.Version != w.version {
			t.Errorf("%s: service = %s %s, want %s %s", prefix, s.Name, s.Version, w.name, w.version)
		}
		if len(s.ActionNames) != w.actions {
			t.Errorf("%s: %d actions, want the spec's %d", prefix, len(s.ActionNames), w.actions)
		}
		for _, name := range s.ActionNames {
			a := s.Actions[name]
			if len(a.Examples) == 0 && !slices.Contains(w.noExample, name) {
				t.Errorf("%s %s: no readable example (unreadable: %v)", prefix, name, a.Unreadable)
			}
			if len(a.Unreadable) > 0 {
				t.Logf("%s %s: skipped examples %v", prefix, name, a.Unreadable)
			}
			for _, e := range a.Examples {
				var obj map[string]any
				if err := json.Unmarshal(e.Response, &obj); err != nil {
					t.Errorf("%s %s %q: response is not an object: %v", prefix, name, e.Title, err)
				}
			}
		}
	}
	for _, name := range Ocr().ActionNames {
		if _, ok := Faceid().Actions[name]; ok {
			t.Errorf("%s is in both services: the gateway routes by action name first", name)
		}
	}
}

func TestFaceidSpec(t *testing.T) {
	s := Faceid()
	m, ok := s.Objects["ApplyWebVerificationBizTokenIntlRequest"].Member("RedirectURL")
	if !ok || !m.Required || m.Type != "string" {
		t.Errorf("RedirectURL = %+v, want a required string", m)
	}
	cfg, _ := s.Objects["ApplyWebVerificationBizTokenIntlRequest"].Member("Config")
	if cfg.Object == nil || cfg.Object.Name != "WebVerificationConfigIntl" {
		t.Errorf("Config.Object = %v, want WebVerificationConfigIntl", cfg.Object)
	}
}

func TestRulesNameRealMembers(t *testing.T) {
	for _, p := range Prefixes() {
		if _, err := Load(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// TestOcrImageRules: every document image input of the ocr spec has an
// image rule, and the rules agree with the members they name.
func TestOcrImageRules(t *testing.T) {
	s := Ocr()
	formats := map[string]bool{"JPEG": true, "PNG": true, "BMP": true, "PDF": true, "WORD": true, "EXCEL": true}
	n := 0
	for _, name := range s.ActionNames {
		in := s.Actions[name].Input
		for _, m := range in.Members {
			isImage := strings.Contains(m.Name, "ImageBase64") || strings.Contains(m.Name, "ImageUrl")
			if !isImage {
				continue
			}
			n++
			if m.Rule == nil || m.Rule.Image == nil {
				t.Errorf("%s.%s: no image rule", in.Name, m.Name)
				continue
			}
			r := m.Rule.Image
			if want := map[bool]string{true: "base64", false: "url"}[strings.Contains(m.Name, "Base64")]; r.Source != want {
				t.Errorf("%s.%s: source %q, want %q", in.Name, m.Name, r.Source, want)
			}
			if r.MaxBytes < 1<<20 || r.MaxBytes > 10<<20 {
				t.Errorf("%s.%s: maxBytes %d outside 1–10 MB", in.Name, m.Name, r.MaxBytes)
			}
			for _, f := range r.Formats {
				if !formats[f] {
					t.Errorf("%s.%s: unknown format %q", in.Name, m.Name, f)
				}
			}
			if r.Alternative != "" {
				alt, ok := in.Member(r.Alternative)
				if !ok || alt.Rule == nil || alt.Rule.Image == nil || alt.Rule.Image.Alternative != m.Name {
					t.Errorf("%s.%s: alternative %q is not its partner", in.Name, m.Name, r.Alternative)
				}
			}
		}
	}
	if n < 70 {
		t.Errorf("only %d image members found", n)
	}
}
