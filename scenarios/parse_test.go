package scenarios

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		names []string // scenarios returned, in order
		lines []int    // their Line
		probs []string // exact Problem.String()
		check func(t *testing.T, scs []*Scenario)
	}{
		{
			name:  "single mapping",
			in:    "name: one\ndescription: d\n",
			names: []string{"one"}, lines: []int{1},
		},
		{
			name:  "list form",
			in:    "# c\nscenarios:\n  - name: a\n  - name: b\n    attempts: [{liveness: 1002}]\n",
			names: []string{"a", "b"}, lines: []int{3, 4},
		},
		{
			name:  "several documents",
			in:    "name: a\n---\nscenarios:\n  - name: b\n---\n# empty\n---\nname: c\n",
			names: []string{"a", "b", "c"}, lines: []int{1, 4, 8},
		},
		{
			name: "anchors and merge keys",
			in: "scenarios:\n  - &base\n    name: a\n    attempts: [{liveness: 1002}]\n    completion: {mode: auto}\n" +
				"  - <<: *base\n    name: b\n",
			names: []string{"a", "b"},
			check: func(t *testing.T, scs []*Scenario) {
				b := scs[1]
				if len(b.Attempts) != 1 || b.Attempts[0].Liveness != 1002 || b.Completion.Mode != CompletionAuto {
					t.Errorf("merged scenario %+v", b)
				}
			},
		},
		{
			name:  "number forms and durations",
			in:    "name: n\nattempts:\n  - {liveness: 0x3EA}\n  - {liveness: 0, similarity: 90}\napi:\n  '*': {latency: 1.5s}\n",
			names: []string{"n"},
			check: func(t *testing.T, scs []*Scenario) {
				s := scs[0]
				if s.Attempts[0].Liveness != 1002 || *s.Attempts[1].Similarity != 90 {
					t.Errorf("attempts %+v", s.Attempts)
				}
				if s.API["*"].Latency.D() != 1500*time.Millisecond {
					t.Errorf("latency %v", s.API["*"].Latency)
				}
			},
		},
		{
			name:  "empty file",
			in:    "# only a comment\n",
			probs: []string{"f.yaml: no scenario in file"},
		},
		{
			name:  "only separators",
			in:    "---\n---\n",
			probs: []string{"f.yaml: no scenario in file"},
		},
		{
			name:  "syntax error after a good document",
			in:    "name: a\n---\nname: [b\n",
			names: []string{"a"},
			probs: []string{"f.yaml:3: YAML syntax: did not find expected ',' or ']'"},
		},
		{
			name:  "not finite",
			in:    "name: x\nattempts:\n  - {liveness: 0, similarity: .inf}\n",
			probs: []string{`f.yaml:3: attempts[0].similarity: ".inf" is not a finite number`},
		},
		{
			name:  "complex key",
			in:    "name: x\n? [a]\n: b\n",
			probs: []string{"f.yaml:2: mapping key must be a string"},
		},
		{
			name:  "duplicate key",
			in:    "name: x\nname: y\n",
			probs: []string{`f.yaml:2: duplicate key "name" (first at line 1)`},
		},
		{
			name:  "duplicate names in one file",
			in:    "scenarios:\n  - name: a\n  - name: b\n  - name: a\n",
			names: []string{"a", "b"},
			probs: []string{`f.yaml:4: duplicate scenario name "a" (first defined at line 2)`},
		},
		{
			name:  "one bad scenario does not hide the others",
			in:    "scenarios:\n  - name: good\n  - name: bad\n    attempts: [{liveness: 2016}]\n  - name: also-good\n",
			names: []string{"good", "also-good"},
			probs: []string{"f.yaml:4: scenarios[1].attempts[0].liveness: 2016 is a comparison code; write liveness: 0, compare: 2016"},
		},
		{
			name:  "null values are type errors",
			in:    "name: x\ndescription:\n",
			probs: []string{"f.yaml:2: description: got null, want string"},
		},
		{
			name:  "scenarios list empty",
			in:    "scenarios: []\n",
			probs: []string{"f.yaml:1: scenarios: must not be empty"},
		},
		{
			name:  "unknown top-level key beside scenarios",
			in:    "scenarios:\n  - name: a\nversion: 2\n",
			probs: []string{`f.yaml:3: version: unknown key "version"`},
		},
		{
			name:  "quoted number",
			in:    "name: x\nresult: {errorCode: \"15\"}\n",
			probs: []string{"f.yaml:2: result.errorCode: got string, want integer"},
		},
		{
			name:  "alias bomb",
			in:    "name: x\ndescription: &a [*a]\n",
			probs: []string{"f.yaml:2: document too large or too deeply nested (aliases expand to more than 200000 nodes or 64 levels)"},
		},
	}
	ps, err := NewParser()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			scs, probs := ps.Parse("f.yaml", []byte(tc.in))
			var got []string
			for _, p := range probs {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.probs, "\n") {
				t.Errorf("problems\n got: %q\nwant: %q", got, tc.probs)
			}
			var names []string
			for i, s := range scs {
				names = append(names, s.Name)
				if s.Source != "f.yaml" {
					t.Errorf("%s: Source %q", s.Name, s.Source)
				}
				if tc.lines != nil && s.Line != tc.lines[i] {
					t.Errorf("%s: Line %d, want %d", s.Name, s.Line, tc.lines[i])
				}
			}
			if strings.Join(names, ",") != strings.Join(tc.names, ",") {
				t.Errorf("scenarios %v, want %v", names, tc.names)
			}
			if tc.check != nil && len(scs) == len(tc.names) {
				tc.check(t, scs)
			}
		})
	}
}

func TestParseFunctionUsesFreshParser(t *testing.T) {
	scs, probs := Parse("x.yaml", []byte("name: x\n"))
	if len(probs) != 0 || len(scs) != 1 {
		t.Fatalf("%v %v", scs, probs)
	}
}

func TestScenarioJSON(t *testing.T) {
	scs, probs := Parse("dir/x.yaml", []byte("name: x\napi:\n  GetWebVerificationResultIntl: {latency: 250ms, fault: http-502, times: 1}\n"))
	if len(probs) != 0 {
		t.Fatal(probs)
	}
	b, err := json.Marshal(scs[0])
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"name":"x"`, `"source":"dir/x.yaml"`, `"line":1`, `"latency":"250ms"`, `"fault":"http-502"`, `"times":1`} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON %s lacks %s", s, want)
		}
	}
	var back Scenario
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.API[ActionGet].Latency.D() != 250*time.Millisecond {
		t.Errorf("round trip latency %v", back.API[ActionGet].Latency)
	}
	var d Duration
	if err := json.Unmarshal([]byte(`5`), &d); err == nil {
		t.Error("number accepted as duration")
	}
	if err := json.Unmarshal([]byte(`"-1s"`), &d); err == nil {
		t.Error("negative duration accepted")
	}
}

func TestValidateGoScenario(t *testing.T) {
	bad := &Scenario{Name: "Bad", Source: "go", Line: 0,
		Attempts: []Attempt{{Liveness: 1002, Compare: new(0)}},
		API:      map[string]APIBehavior{"Nope": {Fault: FaultHTTP502}},
	}
	var got []string
	for _, p := range Validate(bad) {
		got = append(got, p.String())
	}
	want := []string{
		`go: name: name "Bad" must match [a-z0-9][a-z0-9-]*`,
		`go: attempts[0].compare: compare given but liveness failed (1002): no comparison runs after a failed liveness`,
		`go: api.Nope: unknown action "Nope" (want an action of the API spec or "*")`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
