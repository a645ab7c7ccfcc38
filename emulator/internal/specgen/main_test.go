package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

const specPath = "../../../spec/faceid-2018-03-01.api.json"

// outputs are the committed generated files, each with its spec.
var outputs = []struct{ spec, out, dir string }{
	{specPath, "../faceid/model/models_gen.go", "emulator/internal/faceid/model"},
	{"../../../spec/ocr-2018-11-19.api.json", "../ocr/model/models_gen.go", "emulator/internal/ocr/model"},
}

// TestCommittedFileIsUpToDate regenerates every models_gen.go in memory and
// compares it with the committed file, so the models cannot drift from the
// spec or from the generator.
func TestCommittedFileIsUpToDate(t *testing.T) {
	for _, o := range outputs {
		t.Run(o.dir, func(t *testing.T) { checkUpToDate(t, o.spec, o.out, o.dir) })
	}
}

func checkUpToDate(t *testing.T, spec, out, dir string) {
	specJSON, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := generate(specJSON, sourceName(spec), "model", nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("models_gen.go is stale (run `go generate` in %s); first difference at line %d:\ngenerated: %q\ncommitted: %q", dir, i+1, g, w)
		}
	}
	t.Fatalf("models_gen.go is stale (run `go generate` in %s)", dir)
}

func TestGenerateIsDeterministic(t *testing.T) {
	specJSON, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	first, err := generate(specJSON, "spec/x.api.json", "model", nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, err := generate(specJSON, "spec/x.api.json", "model", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatal("two runs produced different output")
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name    string
		spec    string
		actions []string
		want    string
	}{
		{"bad json", `{`, []string{"A"}, "parse spec"},
		{"no objects", `{"actions":{}}`, []string{"A"}, "no objects"},
		{"unknown action", `{"objects":{"X":{}}}`, []string{"A"}, `action "A" not in spec`},
		{"missing object", `{"actions":{"A":{"input":"Req","output":"Resp"}},"objects":{"Req":{}}}`, []string{"A"}, "object Resp not in spec"},
		{
			"bad scalar",
			`{"actions":{"A":{"input":"Req","output":"Resp"}},"objects":{
				"Req":{"members":[{"name":"F","type":"int","member":"int8"}]},"Resp":{}}}`,
			[]string{"A"}, `unsupported scalar type "int8"`,
		},
		{
			"type and member disagree",
			`{"actions":{"A":{"input":"Req","output":"Resp"}},"objects":{
				"Req":{"members":[{"name":"F","type":"string","member":"int64"}]},"Resp":{}}}`,
			[]string{"A"}, `type "string" with member "int64"`,
		},
		{
			"unexported member",
			`{"actions":{"A":{"input":"Req","output":"Resp"}},"objects":{
				"Req":{"members":[{"name":"f","type":"string","member":"string"}]},"Resp":{}}}`,
			[]string{"A"}, "not an exported Go identifier",
		},
		{
			"duplicate member",
			`{"actions":{"A":{"input":"Req","output":"Resp"}},"objects":{
				"Req":{"members":[{"name":"F","type":"string","member":"string"},{"name":"F","type":"string","member":"string"}]},"Resp":{}}}`,
			[]string{"A"}, "appears twice",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := generate([]byte(tt.spec), "spec/x.api.json", "model", tt.actions)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestSharedObjectTakesRequestShape: an object on both sides (the spec's
// Encryption) is emitted once, with the request shape.
func TestSharedObjectTakesRequestShape(t *testing.T) {
	for _, order := range []string{
		`"A":{"input":"Req","output":"Resp"}`,
		`"A":{"input":"Req2","output":"Resp"},"B":{"input":"Req","output":"Resp2"}`,
	} {
		sp := `{"actions":{` + order + `},"objects":{
			"Req":{"members":[{"name":"S","type":"object","member":"Shared"}]},
			"Req2":{"members":[]},"Resp2":{"members":[]},
			"Resp":{"members":[{"name":"S","type":"object","member":"Shared","value_allowed_null":true}]},
			"Shared":{"members":[{"name":"F","type":"string","member":"string"}]}}}`
		src, err := generate([]byte(sp), "spec/x.api.json", "model", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(src), "F *string `json:\"F,omitempty\"`") {
			t.Errorf("%s: Shared.F is not request-shaped:\n%s", order, src)
		}
		if !strings.Contains(string(src), "case \"A\":") {
			t.Errorf("%s: no constructor case for A:\n%s", order, src)
		}
	}
}

func TestGenerateShapes(t *testing.T) {
	spec := `{"metadata":{"apiVersion":"v","serviceShortName":"s"},"actions":{"A":{"input":"Req","output":"Resp"}},"objects":{
		"Req":{"document":"Req doc.","members":[
			{"name":"N","type":"int","member":"int64","required":true,"document":"<p>Count. More.</p>"},
			{"name":"L","type":"list","member":"string"}]},
		"Resp":{"members":[
			{"name":"Nullable","type":"string","member":"string","value_allowed_null":true},
			{"name":"Plain","type":"int","member":"uint64"},
			{"name":"Items","type":"list","member":"Item","value_allowed_null":true},
			{"name":"Old","type":"float","member":"float","disabled":true,"value_allowed_null":true},
			{"name":"RequestId","type":"string","member":"string"}]},
		"Item":{"members":[{"name":"Sub","type":"object","member":"Sub"}]},
		"Sub":{"members":[{"name":"B","type":"bool","member":"bool","value_allowed_null":true}]}}}`
	src, err := generate([]byte(spec), "spec/x.api.json", "p", []string{"A"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"N *int64 `json:\"N,omitempty\"`",
		"// N — Count.\n",
		"// Required.\n",
		"L []string `json:\"L,omitempty\"`",
		"Nullable *string `json:\"Nullable\"`",
		"Plain uint64 `json:\"Plain\"`",
		"Items []Item `json:\"Items\"`",
		"Old *float64 `json:\"Old\"`",
		"Disabled (deprecated) in the spec",
		"RequestId string `json:\"RequestId\"`",
		"Sub *Sub `json:\"Sub\"`",
		"B *bool `json:\"B\"`",
		"type Req struct",
		"type Item struct",
	} {
		if !strings.Contains(string(src), want) {
			t.Errorf("generated code lacks %q:\n%s", want, src)
		}
	}
	// Fixed order: request, response, then the rest alphabetically.
	iReq, iResp, iItem, iSub := strings.Index(string(src), "type Req "), strings.Index(string(src), "type Resp "),
		strings.Index(string(src), "type Item "), strings.Index(string(src), "type Sub ")
	if !(iReq < iResp && iResp < iItem && iItem < iSub) {
		t.Errorf("type order: Req %d, Resp %d, Item %d, Sub %d", iReq, iResp, iItem, iSub)
	}
}

func TestFirstSentence(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "(no description in the spec)."},
		{"Hong Kong (China) ID Card\nNote: This field may return null.", "Hong Kong (China) ID Card."},
		{"The final result. `0` indicates success.", "The final result."},
		{"<p>Detection mode. Parameter values are as follows:<br>1: OCR</p>", "Detection mode."},
		{"<p>Alarm code</p><p>Enumeration value:</p>", "Alarm code."},
		{"of the photo to be compared.The Data URI scheme", "of the photo to be compared."},
		{"Currently supported:<br>1.HKIDCard: Hong Kong", "Currently supported."},
		{"Value range: [0.00, 100.00]. By default", "Value range: [0.00, 100.00]."},
		{"See <a href=\"x\">docs</a> &amp; more", "See docs & more."},
		{"中文说明。第二句", "中文说明."},
		{"  \n  spaced   out  ", "spaced out."},
	}
	for _, tt := range tests {
		if got := firstSentence(tt.in); got != tt.want {
			t.Errorf("firstSentence(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSourceName(t *testing.T) {
	for in, want := range map[string]string{
		"../../../../spec/faceid-2018-03-01.api.json": "spec/faceid-2018-03-01.api.json",
		"/abs/repo/spec/ocr-2018-11-19.api.json":      "spec/ocr-2018-11-19.api.json",
		"elsewhere/x.api.json":                        "x.api.json",
	} {
		if got := sourceName(in); got != want {
			t.Errorf("sourceName(%q) = %q, want %q", in, got, want)
		}
	}
}
