package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// stdJSON decodes as encoding/json does with UseNumber, the reference of
// parseJSON.
func stdJSON(b []byte) (any, error) {
	if !json.Valid(b) {
		return nil, errors.New("invalid")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

var jsonSeeds = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e+10`, `-1E-2`, `true`, `false`, `null`, ` {"a" : [1, 2, {"b": null}] } `,
	`{"a": 1, "a": 2}`, `"\u00e9\ud83d\ude00\ud83d\u0041\udc00x\"\\\/\b\f\n\r\t"`, `"\ud800"`, `"\ud800\ud800"`, `"µs|μs —"`,
	"\"\xff\xfe ok\"", "\"\xef\xbf\xbd\"", `01`, `1.`, `.5`, `-`, `1e`, `1e+`, `+1`, `0x1`, `"\x"`, `"\u12"`, `"\u12G4"`,
	"\"a\tb\"", `[1,]`, `{"a":1,}`, `{"a" 1}`, `{1: 2}`, `[1 2]`, `nul`, `tru`, `{} {}`, `{}x`, `[`, `{"a":`, `"abc`,
	"\ufeff{}", `[[[[[[[[[[]]]]]]]]]]`, `{"k\u0000": "\u0000"}`,
}

func checkJSON(t *testing.T, in []byte) {
	t.Helper()
	want, werr := stdJSON(in)
	got, gerr := parseJSON(in)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("%q: parseJSON error %v, encoding/json error %v", in, gerr, werr)
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: parseJSON %#v, encoding/json %#v", in, got, want)
	}
}

func TestParseJSONMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonSeeds {
		checkJSON(t, []byte(s))
	}
	doc, err := os.ReadFile("../../schema.json")
	if err != nil {
		t.Fatal(err)
	}
	checkJSON(t, doc)
	deep := strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1)
	if _, err := parseJSON([]byte(deep)); err == nil {
		t.Error("no error for nesting beyond maxJSONDepth")
	}
}

// FuzzParseJSON holds the JSON reader of Compile to encoding/json.
func FuzzParseJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	if doc, err := os.ReadFile("../../schema.json"); err == nil {
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if bytes.Count(in, []byte("["))+bytes.Count(in, []byte("{")) > maxJSONDepth {
			return // both refuse, with different limits
		}
		checkJSON(t, in)
	})
}
