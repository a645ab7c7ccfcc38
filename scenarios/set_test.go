package scenarios

import (
	"strings"
	"sync"
	"testing"
)

// userSet builds a set the way the Loader does: the user scenarios (in the
// given order) before the library.
func userSet(t *testing.T, yamlText string) *Set {
	t.Helper()
	user, probs := Parse("user.yaml", []byte(yamlText))
	if len(probs) > 0 {
		t.Fatalf("user scenarios: %v", probs)
	}
	ps, _ := NewParser()
	lib, probs := parseLibrary(ps)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	set, probs := NewSet(append(user, lib...))
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	return set
}

const selectionYAML = `
scenarios:
  - name: by-extra-exact
    match: {extra: {exact: order-42}}
  - name: by-extra-prefix
    match: {extra: {prefix: vip-}}
  - name: by-extra-regex
    match: {extra: {regex: '^user-[0-9]+$'}}
  - name: by-redirect
    match: {redirectURL: '^https://shop\.example\.com/'}
  - name: by-secret
    match: {secretId: AKIDMATCH}
  - name: by-all-rules
    match:
      extra: {prefix: both-}
      redirectURL: '/checkout$'
      secretId: AKIDBOTH
  - name: team-default
    defaultFor: [AKIDTEAM]
  - name: team-ktp-default
    for: RecognizeIndonesiaIDCardOCR
    defaultFor: [AKIDTEAM]
    api:
      RecognizeIndonesiaIDCardOCR: {response: {NIK: "3171234567890123"}}
  - name: by-picture
    for: HKIDCardOCR
    match: {imageSha256: 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824}
`

func TestSelect(t *testing.T) {
	set := userSet(t, selectionYAML)
	tests := []struct {
		name   string
		in     SelectInput
		want   string
		reason Reason
		note   string
	}{
		{"rule id wins over match", SelectInput{RuleID: "liveness-1002-spoofed-recording", Extra: "order-42", SecretID: "AKIDTEAM"},
			"liveness-1002-spoofed-recording", ReasonRuleID, ""},
		{"rule id names a user scenario", SelectInput{RuleID: "team-default"}, "team-default", ReasonRuleID, ""},
		{"unknown rule id falls through to match", SelectInput{RuleID: "nope", Extra: "order-42"}, "by-extra-exact", ReasonMatch,
			`RuleId "nope" names no scenario; falling through`},
		{"unknown rule id falls through to global default", SelectInput{RuleID: "1"}, "default", ReasonGlobalDefault,
			`RuleId "1" names no scenario; falling through`},
		{"extra exact", SelectInput{Extra: "order-42"}, "by-extra-exact", ReasonMatch, ""},
		{"extra exact is exact", SelectInput{Extra: "order-421"}, "default", ReasonGlobalDefault, ""},
		{"extra prefix", SelectInput{Extra: "vip-7"}, "by-extra-prefix", ReasonMatch, ""},
		{"extra regex", SelectInput{Extra: "user-123"}, "by-extra-regex", ReasonMatch, ""},
		{"extra regex anchored", SelectInput{Extra: "user-123x"}, "default", ReasonGlobalDefault, ""},
		{"redirect regex", SelectInput{RedirectURL: "https://shop.example.com/done"}, "by-redirect", ReasonMatch, ""},
		{"redirect regex miss", SelectInput{RedirectURL: "https://shopXexample.com/done"}, "default", ReasonGlobalDefault, ""},
		{"secret id match", SelectInput{SecretID: "AKIDMATCH"}, "by-secret", ReasonMatch, ""},
		{"all rules fit", SelectInput{Extra: "both-1", RedirectURL: "https://x/checkout", SecretID: "AKIDBOTH"}, "by-all-rules", ReasonMatch, ""},
		{"one rule misses", SelectInput{Extra: "both-1", RedirectURL: "https://x/checkout", SecretID: "AKIDOTHER"}, "default", ReasonGlobalDefault, ""},
		{"match beats secret default", SelectInput{Extra: "vip-1", SecretID: "AKIDTEAM"}, "by-extra-prefix", ReasonMatch, ""},
		{"secret default", SelectInput{Extra: "nothing", SecretID: "AKIDTEAM"}, "team-default", ReasonSecretDefault, ""},
		{"global default", SelectInput{SecretID: "AKIDELSE"}, "default", ReasonGlobalDefault, ""},
		{"secret default of the action", SelectInput{Action: "RecognizeIndonesiaIDCardOCR", SecretID: "AKIDTEAM"}, "team-ktp-default", ReasonSecretDefault, ""},
		{"secret default of another action", SelectInput{Action: "HKIDCardOCR", SecretID: "AKIDTEAM"}, "team-default", ReasonSecretDefault, ""},
		{"picture", SelectInput{Action: "HKIDCardOCR", SecretID: "AKIDTEAM", ImageSHA256: []string{"x", "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824"}}, "by-picture", ReasonMatch, ""},
		{"picture for another action", SelectInput{Action: "MLIDCardOCR", ImageSHA256: []string{"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}}, "default", ReasonGlobalDefault, ""},
		{"empty input", SelectInput{}, "default", ReasonGlobalDefault, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc, reason, note := set.Select(tc.in)
			if sc == nil || sc.Name != tc.want || reason != tc.reason || note != tc.note {
				name := "<nil>"
				if sc != nil {
					name = sc.Name
				}
				t.Errorf("Select = %s, %q, %q; want %s, %q, %q", name, reason, note, tc.want, tc.reason, tc.note)
			}
		})
	}
}

func TestNewSet(t *testing.T) {
	mk := func(src string, line int, name string, df ...string) *Scenario {
		return &Scenario{Name: name, Source: src, Line: line, DefaultFor: df}
	}
	set, probs := NewSet([]*Scenario{
		mk("a.yaml", 1, "one", "AKID1"),
		mk("b.yaml", 5, "one"),
		mk("b.yaml", 9, "two", "AKID1", "AKID2"),
		mk("c.yaml", 2, "Bad Name"),
		nil,
	})
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	want := []string{
		`b.yaml:5: duplicate scenario name "one" (first defined at a.yaml:1)`,
		`c.yaml:2: name: name "Bad Name" must match [a-z0-9][a-z0-9-]*`,
		`b.yaml:9: SecretId "AKID1" is already the default of scenario "one" (a.yaml:1)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d := set.Default(); d == nil || d.Name != DefaultName || d.Source != "builtin" {
		t.Errorf("builtin default missing: %+v", d)
	}
	var names []string
	for _, s := range set.List() {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "default,one,two" {
		t.Errorf("List = %v", names)
	}
	if sc, r, _ := set.Select(SelectInput{SecretID: "AKID2"}); sc.Name != "two" || r != ReasonSecretDefault {
		t.Errorf("AKID2 → %s %s", sc.Name, r)
	}
	if sc, _, _ := set.Select(SelectInput{SecretID: "AKID1"}); sc.Name != "one" {
		t.Errorf("AKID1 → %s (first claim wins)", sc.Name)
	}
	if _, ok := set.Get("Bad Name"); ok {
		t.Error("invalid scenario in the set")
	}
}

func TestSetConcurrentReads(t *testing.T) {
	set := userSet(t, selectionYAML)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				set.Select(SelectInput{Extra: "user-1", RuleID: "x"})
				set.Get("pass-0")
				set.List()
			}
		}()
	}
	wg.Wait()
}
