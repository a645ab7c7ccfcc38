package schema_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/scenarios/internal/schema"
	"github.com/faceid-emulator/faceid-emulator/scenarios/internal/schema/schematest"
)

// decode decodes a JSON instance as the YAML converter of package
// scenarios produces it: numbers as json.Number.
func decode(t testing.TB, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("instance %s: %v", s, err)
	}
	return v
}

// oracleCases are small schemas hitting every implemented keyword, each
// with valid and invalid instances. Every instance is checked against
// santhosh-tekuri/jsonschema; valid says what both must answer.
var oracleCases = []struct {
	name     string
	schema   string
	valid    []string
	invalid  []string
	messages map[string]string // instance → String() of the errors, "\n"-joined
}{
	{
		name:    "type integer",
		schema:  `{"type": "integer"}`,
		valid:   []string{`1`, `-7`, `0`, `1.0`, `1e3`, `-0`, `12345678901234567890123`, `1e400`, `2.50e1`},
		invalid: []string{`1.5`, `"1"`, `null`, `true`, `[]`, `{}`, `1e-400`, `0.1`},
		messages: map[string]string{
			`1.5`: `: got number, want integer`,
			`"1"`: `: got string, want integer`,
		},
	},
	{
		name:    "type number",
		schema:  `{"type": "number"}`,
		valid:   []string{`1`, `1.5`, `-1e-9`, `1e400`},
		invalid: []string{`"1.5"`, `null`, `false`, `[1]`, `{"a": 1}`},
	},
	{
		name:    "type null boolean string array object",
		schema:  `{"properties": {"n": {"type": "null"}, "b": {"type": "boolean"}, "s": {"type": "string"}, "a": {"type": "array"}, "o": {"type": "object"}}}`,
		valid:   []string{`{}`, `{"n": null, "b": false, "s": "", "a": [], "o": {}}`, `[]`, `"not an object"`},
		invalid: []string{`{"n": 0, "b": "true", "s": 1, "a": {}, "o": []}`, `{"n": false}`, `{"o": null}`},
	},
	{
		name:    "type arrays",
		schema:  `{"properties": {"sn": {"type": ["string", "null"]}, "is": {"type": ["string", "integer"]}, "ni": {"type": ["integer", "number"]}, "ob": {"type": ["object", "boolean", "array"]}}}`,
		valid:   []string{`{"sn": null, "is": 3, "ni": 2.5, "ob": true}`, `{"sn": "x", "is": "y", "ni": 1, "ob": {}}`, `{"ob": []}`},
		invalid: []string{`{"sn": 1}`, `{"is": 1.5}`, `{"is": null}`, `{"ni": "1"}`, `{"ob": 0}`, `{"ob": "x", "sn": []}`},
		messages: map[string]string{
			`{"is": 1.5}`: `/is: got number, want integer or string`,
			`{"ob": 0}`:   `/ob: got number, want boolean or array or object`,
		},
	},
	{
		name:    "enum of primitives",
		schema:  `{"enum": ["a", "b", 1, null, true, -9101]}`,
		valid:   []string{`"a"`, `"b"`, `1`, `1.0`, `1e0`, `null`, `true`, `-9101`, `-9101.00`},
		invalid: []string{`"c"`, `"1"`, `2`, `false`, `[]`, `{}`, `"A"`, `-9102`, `["a"]`},
		messages: map[string]string{
			`"c"`: `: value must be one of 'a', 'b', 1, <nil>, true, -9101`,
		},
	},
	{
		name:    "enum of composites",
		schema:  `{"enum": [[1, 2], {"a": 1, "b": [null]}, "x"]}`,
		valid:   []string{`[1, 2]`, `[1.0, 2e0]`, `{"b": [null], "a": 1}`, `"x"`},
		invalid: []string{`[2, 1]`, `[1, 2, 3]`, `{"a": 1}`, `{"a": 1, "b": [null], "c": 0}`, `{"a": "1", "b": [null]}`, `1`},
	},
	{
		name:    "enum after type",
		schema:  `{"type": "integer", "enum": [1, 2]}`,
		valid:   []string{`1`, `2.0`},
		invalid: []string{`3`, `"1"`, `1.5`},
	},
	{
		name:    "properties additionalProperties false required",
		schema:  `{"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}, "x~y/z": {}}, "required": ["name", "x~y/z"], "additionalProperties": false}`,
		valid:   []string{`{"name": "n", "x~y/z": 1}`},
		invalid: []string{`{}`, `{"name": 1}`, `{"name": "n", "age": "old", "extra": 1, "also": {}, "x~y/z": 0}`, `{"x~y/z": 0, "a/b": 1, "c~d": 2}`, `[]`},
		messages: map[string]string{
			`{}`:                               `: missing properties 'name', 'x~y/z'`,
			`{"x~y/z": 0, "a/b": 1, "c~d": 2}`: ": missing property 'name'\n: additional properties 'a/b', 'c~d' not allowed",
		},
	},
	{
		name:    "additionalProperties schema and true",
		schema:  `{"properties": {"fixed": {"type": "boolean"}, "open": {"additionalProperties": true}, "strs": {"additionalProperties": {"type": "string", "minLength": 2}}}, "additionalProperties": {"type": "integer"}}`,
		valid:   []string{`{}`, `{"fixed": true, "n": 3, "open": {"x": [1]}, "strs": {"a": "bb"}}`},
		invalid: []string{`{"n": "3"}`, `{"strs": {"a": "b", "c": 1, "d": "dd"}}`, `{"fixed": 1, "m": 1.5}`},
	},
	{
		name:    "minProperties maxProperties",
		schema:  `{"minProperties": 1, "maxProperties": 2, "properties": {"in": {"minProperties": 2}}}`,
		valid:   []string{`{"a": 1}`, `{"a": 1, "b": 2}`, `"strings are not objects"`, `{"in": {"x": 1, "y": 2}}`},
		invalid: []string{`{}`, `{"a": 1, "b": 2, "c": 3}`, `{"in": {}}`, `{"in": {"x": 1}, "b": 2, "c": 3}`},
		messages: map[string]string{
			`{}`:                       `: minProperties: got 0, want 1`,
			`{"a": 1, "b": 2, "c": 3}`: `: maxProperties: got 3, want 2`,
		},
	},
	{
		name:    "minLength counts code points",
		schema:  `{"minLength": 2}`,
		valid:   []string{`"ab"`, `"éé"`, `"😀😀"`, `7`, `null`},
		invalid: []string{`""`, `"é"`, `"😀"`, `"a"`},
		messages: map[string]string{
			`""`: `: minLength: got 0, want 2`,
		},
	},
	{
		name:    "pattern is unanchored RE2",
		schema:  `{"properties": {"u": {"pattern": "a+"}, "a": {"pattern": "^[a-z0-9][a-z0-9-]*$"}, "d": {"pattern": "^(0|([0-9]+(\\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+)$"}}}`,
		valid:   []string{`{"u": "xaay", "a": "ok-1", "d": "1h2.5µs"}`, `{"u": 5}`, `{"d": "0"}`, `{"d": "3μs"}`},
		invalid: []string{`{"u": "xyz"}`, `{"a": "Bad"}`, `{"a": "-x"}`, `{"a": "x\ny"}`, `{"d": "fast"}`, `{"d": "1.5"}`, `{"d": ""}`},
		messages: map[string]string{
			`{"u": "xyz"}`: `/u: 'xyz' does not match pattern 'a+'`,
		},
	},
	{
		name:    "items minItems uniqueItems",
		schema:  `{"type": "array", "minItems": 1, "uniqueItems": true, "items": {"type": "integer", "minimum": 0}}`,
		valid:   []string{`[0]`, `[1, 2, 3]`},
		invalid: []string{`[]`, `[1, 1]`, `[1, 2, 1.0, 2]`, `[-1, "a", 3, 3]`, `{}`, `[1.5]`},
		messages: map[string]string{
			`[1, 2, 1.0, 2]`: `: items at 0 and 2 are equal`,
			`[]`:             `: minItems: got 0, want 1`,
		},
	},
	{
		name:   "uniqueItems over composites and long arrays",
		schema: `{"uniqueItems": true}`,
		valid: []string{`[]`, `[1]`, `[1, "1", true, null, [1], {"1": 1}]`, `[[1, 2], [2, 1]]`, `[{"a": 1}, {"a": 2}]`,
			`[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25]`},
		invalid: []string{`[{"a": 1, "b": 2}, {"b": 2, "a": 1.0}]`, `[[1, [2]], [1.0, [2.0]]]`, `[null, null]`, `["x", "y", "x"]`,
			`[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,13.0]`,
			`[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,{"a":[1]},22,23,24,{"a":[1.0]}]`,
			`[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,25,26]`},
	},
	{
		name:    "minimum maximum",
		schema:  `{"properties": {"p": {"type": "number", "minimum": 0, "maximum": 100}, "q": {"minimum": -1.5, "maximum": 1e2}}}`,
		valid:   []string{`{"p": 0, "q": -1.5}`, `{"p": 100, "q": 100.0}`, `{"p": 99.999999, "q": "strings are not numbers"}`},
		invalid: []string{`{"p": -0.000001}`, `{"p": 120}`, `{"p": 1e3}`, `{"q": -2}`, `{"q": 100.5}`, `{"p": 12345678901234567890}`},
		messages: map[string]string{
			`{"p": 120}`: `/p: maximum: got 120, want 100`,
			`{"q": -2}`:  `/q: minimum: got -2, want -1.5`,
		},
	},
	{
		name: "$ref and $defs",
		schema: `{"$defs": {"s": {"type": "string", "minLength": 1}, "a/b~c": {"type": "integer"}, "obj": {"properties": {"s": {"$ref": "#/$defs/s"}, "n": {"$ref": "#/$defs/a~1b~0c"}}, "additionalProperties": false}},
			"type": "object", "properties": {"one": {"$ref": "#/$defs/obj"}, "many": {"type": "array", "items": {"$ref": "#/$defs/obj"}}, "viaProps": {"$ref": "#/properties/one"}}}`,
		valid:   []string{`{}`, `{"one": {"s": "x", "n": 1}, "many": [{}, {"s": "y"}], "viaProps": {"n": 2}}`, `{"one": []}`},
		invalid: []string{`{"one": {"s": ""}}`, `{"many": [{"s": 1}, {"n": "1", "x": 0}]}`, `{"viaProps": {"n": 1.5}}`, `{"many": {}}`},
	},
	{
		name:    "$ref beside other keywords",
		schema:  `{"$defs": {"min": {"minLength": 3}}, "$ref": "#/$defs/min", "pattern": "^a"}`,
		valid:   []string{`"abc"`, `1`},
		invalid: []string{`"ab"`, `"bcd"`, `"b"`},
		messages: map[string]string{
			`"b"`: ": minLength: got 1, want 3\n: 'b' does not match pattern '^a'",
		},
	},
	{
		name:    "recursive $ref to the root",
		schema:  `{"type": "object", "properties": {"v": {"type": "integer"}, "kids": {"type": "array", "items": {"$ref": "#"}}}, "additionalProperties": false}`,
		valid:   []string{`{}`, `{"v": 1, "kids": [{"v": 2, "kids": [{}]}]}`},
		invalid: []string{`{"kids": [{"kids": [{"v": "x", "w": 0}]}]}`, `{"kids": [1]}`},
	},
	{
		name: "if then else",
		schema: `{"if": {"type": "object", "required": ["scenarios"]}, "then": {"$ref": "#/$defs/file"}, "else": {"$ref": "#/$defs/one"},
			"$defs": {"file": {"properties": {"scenarios": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/one"}}}, "additionalProperties": false},
			"one": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}, "additionalProperties": false}}}`,
		valid:   []string{`{"name": "a"}`, `{"scenarios": [{"name": "a"}]}`},
		invalid: []string{`[]`, `"x"`, `{}`, `{"scenarios": []}`, `{"scenarios": 1, "name": "a"}`, `{"scenarios": [{}], "x": 1}`, `{"name": 1, "other": 2}`},
		messages: map[string]string{
			`[]`: `: got array, want object`,
		},
	},
	{
		name:    "if without else, if without then, nested if",
		schema:  `{"properties": {"a": {"if": {"minimum": 10}, "then": {"maximum": 20}}, "b": {"if": {"type": "string"}, "else": {"type": "integer"}}, "c": {"if": {"type": "array"}, "then": {"if": {"minItems": 2}, "then": {"uniqueItems": true}, "else": {"items": {"type": "string"}}}}}}`,
		valid:   []string{`{"a": 5, "b": "x", "c": ["x"]}`, `{"a": 15, "b": 3, "c": [1, 2]}`, `{"c": "not an array"}`, `{"a": "x"}`},
		invalid: []string{`{"a": 25}`, `{"b": 1.5}`, `{"c": [1]}`, `{"c": [1, 1]}`},
	},
	{
		name:    "annotations are ignored",
		schema:  `{"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.test/s.json", "title": "t", "description": "d", "$comment": "c", "properties": {"m": {"type": "string", "enum": ["x"], "enumDescriptions": ["the x"], "default": "x", "examples": ["x"]}}}`,
		valid:   []string{`{"m": "x"}`, `{}`},
		invalid: []string{`{"m": "y"}`, `{"m": 1}`},
	},
}

func TestOracleTable(t *testing.T) {
	for _, tc := range oracleCases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := schematest.Compile([]byte(tc.schema), schematest.DefaultURL)
			if err != nil {
				t.Fatal(err)
			}
			check := func(inst string, wantValid bool) {
				t.Helper()
				v := decode(t, inst)
				diff, errs := p.Compare(v)
				if diff != "" {
					t.Errorf("instance %s: validators disagree\n%s", inst, diff)
				}
				if valid := len(errs) == 0; valid != wantValid {
					t.Errorf("instance %s: valid = %v, want %v: %v", inst, valid, wantValid, errs)
				}
				// The same values decoded as float64 (no json.Number) agree too.
				var f any
				if err := json.Unmarshal([]byte(inst), &f); err == nil {
					if diff, _ := p.Compare(f); diff != "" {
						t.Errorf("instance %s as float64: validators disagree\n%s", inst, diff)
					}
				}
				if want, ok := tc.messages[inst]; ok {
					var got []string
					for _, e := range errs {
						got = append(got, e.String())
					}
					if strings.Join(got, "\n") != want {
						t.Errorf("instance %s: messages\n%s\nwant\n%s", inst, strings.Join(got, "\n"), want)
					}
				}
			}
			for _, inst := range tc.valid {
				check(inst, true)
			}
			for _, inst := range tc.invalid {
				check(inst, false)
			}
		})
	}
}

func TestCompileRejects(t *testing.T) {
	for _, tc := range []struct {
		schema string
		want   string // in the error
	}{
		{`{"format": "date"}`, `keyword "format" is not supported`},
		{`{"oneOf": [{}]}`, `keyword "oneOf" is not supported`},
		{`{"const": 1}`, `keyword "const" is not supported`},
		{`{"items": {"prefixItems": [{}]}}`, `at #/items: keyword "prefixItems" is not supported`},
		{`{"$defs": {"unused": {"exclusiveMinimum": 0}}}`, `at #/$defs/unused: keyword "exclusiveMinimum"`},
		{`{"properties": {"a": {"propertyNames": {}}}}`, `at #/properties/a: keyword "propertyNames"`},
		{`{"$ref": "other.json#/x"}`, `only local JSON pointers`},
		{`{"$ref": "#anchor"}`, `only local JSON pointers`},
		{`{"$ref": "#/$defs/a%20b"}`, `only local JSON pointers`},
		{`{"$ref": "#/$defs/missing"}`, `does not resolve`},
		{`{"$ref": "#/required/0", "required": ["a"]}`, `does not resolve to a schema object`},
		{`{"$ref": "#/title", "title": "t"}`, `a schema must be an object here, got string`},
		{`{"$ref": "#"}`, `cycle`},
		{`{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"if": {"$ref": "#/$defs/a"}}}}`, `cycle`},
		{`{"pattern": "("}`, `pattern: error parsing regexp`},
		{`{"pattern": "(?=x)"}`, `pattern: error parsing regexp`},
		{`{"type": "int"}`, `unknown type int`},
		{`{"type": []}`, `non-empty array`},
		{`{"$schema": "http://json-schema.org/draft-07/schema#"}`, `$schema http://json-schema.org/draft-07/schema# is not supported`},
		{`{"properties": {"a": {"$id": "x"}}}`, `$id is only supported at the top level`},
		{`{"properties": {"a": false}}`, `a schema must be an object here, got boolean`},
		{`{"items": true}`, `a schema must be an object here, got boolean`},
		{`{"items": [{}]}`, `a schema must be an object here, got array`},
		{`{"then": {}}`, `then/else without if`},
		{`{"minLength": -1}`, `non-negative integer`},
		{`{"minItems": 1.5}`, `non-negative integer`},
		{`{"maxProperties": "1"}`, `non-negative integer`},
		{`{"minimum": "0"}`, `minimum must be a number`},
		{`{"enum": []}`, `enum must be a non-empty array`},
		{`{"required": [1]}`, `required must be an array of strings`},
		{`{"uniqueItems": 1}`, `uniqueItems must be a boolean`},
		{`[]`, `must be a JSON object`},
		{`{} {}`, `data after the top-level value`},
		{`{"a": -x}`, `invalid JSON`},
		{`{`, `invalid JSON: unexpected EOF`},
	} {
		_, err := schema.Compile([]byte(tc.schema))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Compile(%s) = %v, want an error with %q", tc.schema, err, tc.want)
		}
	}
}

// TestCompileSchemaJSON checks that scenarios/schema.json compiles, so
// every keyword it uses is implemented.
func TestCompileSchemaJSON(t *testing.T) {
	doc, err := os.ReadFile("../../schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schema.Compile(doc); err != nil {
		t.Fatal(err)
	}
	if _, err := schematest.Compile(doc, schematest.DefaultURL); err != nil {
		t.Fatal(err)
	}
}

func TestValidateGoNumbersAndInvalidValues(t *testing.T) {
	s, err := schema.Compile([]byte(`{"properties": {"i": {"type": "integer", "minimum": 1}, "e": {"enum": [2]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{int(3), int8(3), int16(3), int32(3), int64(3), uint(3), uint8(3), uint16(3), uint32(3), uint64(3), float32(3), float64(3)} {
		if errs := s.Validate(map[string]any{"i": v}); errs != nil {
			t.Errorf("%T: %v", v, errs)
		}
		if errs := s.Validate(map[string]any{"e": v}); len(errs) != 1 {
			t.Errorf("%T in enum [2]: %v", v, errs)
		}
	}
	errs := s.Validate(map[string]any{"i": struct{}{}})
	if len(errs) != 1 || errs[0].String() != "/i: invalid jsonType struct {}" {
		t.Errorf("struct value: %v", errs)
	}
	if errs := s.Validate(map[string]any{"i": 0}); len(errs) != 1 || errs[0].String() != "/i: minimum: got 0, want 1" {
		t.Errorf("int 0: %v", errs)
	}
}

func schemaJSON(b *testing.B) []byte {
	doc, err := os.ReadFile("../../schema.json")
	if err != nil {
		b.Fatal(err)
	}
	return doc
}

// BenchmarkCompile compiles scenarios/schema.json (the budget is 1 ms).
func BenchmarkCompile(b *testing.B) {
	doc := schemaJSON(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := schema.Compile(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileOracle is BenchmarkCompile with santhosh-tekuri/jsonschema,
// for comparison (after its package init, which the emulator paid at start).
func BenchmarkCompileOracle(b *testing.B) {
	doc := schemaJSON(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := schematest.CompileOracle(doc, schematest.DefaultURL); err != nil {
			b.Fatal(err)
		}
	}
}
