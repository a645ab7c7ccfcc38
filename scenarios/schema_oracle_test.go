package scenarios

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/scenarios/internal/schema/schematest"
	"go.yaml.in/yaml/v3"
)

// The schema check of Parse uses package internal/schema, a validator of
// just the JSON Schema that schema.json uses (for the cold start). These
// tests hold it to santhosh-tekuri/jsonschema, the general validator it
// replaced: both must agree on every document of the library and of the
// fixtures, and on whatever the fuzzer makes of them.

func oraclePair(tb testing.TB) *schematest.Pair {
	tb.Helper()
	p, err := schematest.Compile(schemaJSON, SchemaURL)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// yamlValues converts each document of a YAML stream as Parse does; it
// stops at the first syntax error.
func yamlValues(data []byte) []any {
	var out []any
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) || err != nil {
			return out
		}
		n := &root
		if n.Kind == yaml.DocumentNode {
			if len(n.Content) == 0 {
				continue
			}
			n = n.Content[0]
		}
		cv := converter{budget: maxNodes}
		out = append(out, cv.value(n, nil, 0))
	}
}

// oracleInputs are the library files and every YAML file under testdata.
func oracleInputs(tb testing.TB) (names []string, data map[string][]byte) {
	tb.Helper()
	data = map[string][]byte{}
	for n, b := range LibraryFiles() {
		data["library/"+n] = b
	}
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(path); ext == ".yaml" || ext == ".yml" {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			data[path] = b
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	for n := range data {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, data
}

func TestSchemaAgreesWithOracleOnFiles(t *testing.T) {
	p := oraclePair(t)
	names, data := oracleInputs(t)
	var docs, invalid int
	for _, name := range names {
		vals := yamlValues(data[name])
		for i, v := range vals {
			docs++
			diff, errs := p.Compare(v)
			if diff != "" {
				t.Errorf("%s, document %d: validators disagree\n%s", name, i+1, diff)
			}
			if len(errs) > 0 {
				invalid++
			}
			if strings.HasPrefix(name, "library/") || strings.Contains(name, "/good/") {
				if len(errs) > 0 {
					t.Errorf("%s, document %d: %v", name, i+1, errs)
				}
			}
		}
	}
	if invalid == 0 || docs == invalid {
		t.Errorf("%d documents, %d invalid: the inputs should hold both", docs, invalid)
	}
	t.Logf("%d files, %d documents, %d invalid: the validators agree", len(names), docs, invalid)
}

// oracleSeeds are hand-written scenario documents around every keyword of
// schema.json, valid and invalid, that the fixtures do not already cover.
var oracleSeeds = []string{
	"name: a\n",
	"name: a\nattempts: [{liveness: 0, compare: 2016, similarity: 45.5}]\n",
	"name: a\nattempts: [{liveness: 1.0}, {liveness: 1.5}, {similarity: -0.5}, {similarity: 100.0000001}, {similarity: 1e2}]\n",
	"name: a\nattempts: [{livenessInfoTag: ['01', '01']}, {livenessInfoTag: [1]}, {livenessInfoTag: []}]\n",
	"name: a\nocr: {warnCardInfos: [-9101, -9101.0], fields: {A: b, C: [d]}, isPass: yes, idCardType: HKIDCard}\n",
	"name: a\nocr: {warnCardInfos: ['-9101', -9105], fields: []}\n",
	"name: a\ndefaultFor: [x, x, '']\n",
	"name: a\ndefaultFor: [0x10, 16]\n",
	"name: a\nmatch: {}\n",
	"name: a\nmatch: {extra: {exact: a, prefix: b}, redirectURL: '', secretId: ''}\n",
	"name: a\nmatch: {extra: {}}\n",
	"name: a\nmatch: {extra: {regex: x}, other: 1}\n",
	"name: a\napi: {'*': {}, Foo: {}, GetWebVerificationResultIntl: {times: -1, latency: 1h2m3.5s}}\n",
	"name: a\napi: {ApplyWebVerificationBizTokenIntl: {error: {}, latency: '1.5'}}\n",
	"name: a\napi: {ApplyWebVerificationBizTokenIntl: {error: {code: InternalError, message: 3}}}\n",
	"name: a\ncompletion: {mode: polls, polls: -3}\nmedia: {bestFrame: none, video: sample}\nresult: {errorCode: 0, errorMsg: ok}\n",
	"name: Not-Valid\n",
	"name: ''\n",
	"name: 7\n",
	"name: a\ndescription: [x]\n",
	"{}\n",
	"[]\n",
	"just a string\n",
	"42\n",
	"scenarios: []\n",
	"scenarios: {}\n",
	"scenarios: [name: a]\n",
	"scenarios: [{name: a}, {}, 3, {name: b, x: 1}]\nname: c\n",
	"scenarios: null\n",
	"scenarios: [{name: a}]\nextra: 1\n",
	"name: a\nscenarios: [{name: b}]\n",
	"name: x\nattempts: [{liveness: .nan}]\n",
	"name: x\nattempts: [{similarity: .inf}]\n",
	"name: a\ndefaultFor: [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z, m]\n",
}

func TestSchemaAgreesWithOracleOnSeeds(t *testing.T) {
	p := oraclePair(t)
	for _, s := range oracleSeeds {
		vals := yamlValues([]byte(s))
		if len(vals) == 0 {
			t.Errorf("seed %q: no document", s)
		}
		for _, v := range vals {
			if diff, _ := p.Compare(v); diff != "" {
				t.Errorf("seed %q: validators disagree\n%s", s, diff)
			}
		}
	}
}

// FuzzSchemaAgreesWithOracle converts arbitrary YAML as Parse does and
// checks that internal/schema and santhosh-tekuri/jsonschema agree on it.
func FuzzSchemaAgreesWithOracle(f *testing.F) {
	names, data := oracleInputs(f)
	for _, n := range names {
		f.Add(data[n])
	}
	for _, s := range oracleSeeds {
		f.Add([]byte(s))
	}
	p := oraclePair(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, v := range yamlValues(in) {
			if diff, _ := p.Compare(v); diff != "" {
				t.Fatalf("validators disagree\n%s", diff)
			}
		}
	})
}

// BenchmarkSchemaValidate validates every library document with the
// validator Parse uses.
func BenchmarkSchemaValidate(b *testing.B) {
	p := oraclePair(b)
	vals := libraryValues(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, v := range vals {
			if errs := p.Ours.Validate(v); errs != nil {
				b.Fatal(errs)
			}
		}
	}
}

// BenchmarkSchemaValidateOracle is BenchmarkSchemaValidate with
// santhosh-tekuri/jsonschema, for comparison.
func BenchmarkSchemaValidateOracle(b *testing.B) {
	p := oraclePair(b)
	vals := libraryValues(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, v := range vals {
			if err := p.Oracle.Validate(v); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func libraryValues(b *testing.B) []any {
	var vals []any
	for _, content := range LibraryFiles() {
		vals = append(vals, yamlValues(content)...)
	}
	if len(vals) == 0 {
		b.Fatal("no library documents")
	}
	return vals
}

// BenchmarkNewParser is the cost of the first user file: compiling
// schema.json.
func BenchmarkNewParser(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewParser(); err != nil {
			b.Fatal(err)
		}
	}
}
