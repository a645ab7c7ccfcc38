package spec

import (
	"encoding/json"
	"testing"
)

func TestFaceidSpec(t *testing.T) {
	s := Faceid()
	if s.Name != "faceid" || s.Version != "2018-03-01" {
		t.Fatalf("service = %s %s, want faceid 2018-03-01", s.Name, s.Version)
	}
	if len(s.ActionNames) != 30 {
		t.Fatalf("%d actions, want the spec's 30", len(s.ActionNames))
	}
	for _, name := range s.ActionNames {
		a := s.Actions[name]
		if len(a.Examples) == 0 {
			t.Errorf("%s: no readable example (unreadable: %v)", name, a.Unreadable)
		}
		if len(a.Unreadable) > 0 {
			t.Logf("%s: skipped examples %v", name, a.Unreadable)
		}
		for _, e := range a.Examples {
			var obj map[string]any
			if err := json.Unmarshal(e.Response, &obj); err != nil {
				t.Errorf("%s %q: response is not an object: %v", name, e.Title, err)
			}
		}
	}
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
