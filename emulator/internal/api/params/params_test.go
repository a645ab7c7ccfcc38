package params_test

import (
	"encoding/json"
	"net/url"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api/params"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/model"
)

func ptr[T any](v T) *T { return &v }

type applyReq = model.ApplyWebVerificationBizTokenIntlRequest
type getReq = model.GetWebVerificationResultIntlRequest
type config = model.WebVerificationConfigIntl

// The parameters every SDK vector in /work/shared/reference/vectors carries.
var vectorWant = applyReq{
	RedirectURL:        ptr("https://example.com/cb?a=1&b=<x>"),
	CompareImageBase64: ptr("aGVsbG8="),
	Extra:              ptr("ünïcode & spaces"),
	Config:             &config{AutoSkip: ptr(true), CheckMode: ptr(int64(1))},
}

// Bodies as the SDKs put them on the wire (reference vectors).
func TestSDKJSONBodies(t *testing.T) {
	bodies := map[string]string{
		"node": `{"RedirectURL":"https://example.com/cb?a=1&b=<x>","CompareImageBase64":"aGVsbG8=","Extra":"ünïcode & spaces","Config":{"AutoSkip":true,"CheckMode":1}}`,
		"go":   `{"RedirectURL":"https://example.com/cb?a=1\u0026b=\u003cx\u003e","CompareImageBase64":"aGVsbG8=","Extra":"ünïcode \u0026 spaces","Config":{"AutoSkip":true,"CheckMode":1}}`,
		"py":   `{"RedirectURL": "https://example.com/cb?a=1&b=<x>", "CompareImageBase64": "aGVsbG8=", "Extra": "\u00fcn\u00efcode & spaces", "Config": {"AutoSkip": true, "CheckMode": 1}}`,
		"php":  `{"RedirectURL":"https:\/\/example.com\/cb?a=1&b=<x>","CompareImageBase64":"aGVsbG8=","Extra":"ünïcode & spaces","Config":{"AutoSkip":true,"CheckMode":1}}`,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			var got applyReq
			if err := params.DecodeJSON([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, vectorWant) {
				t.Errorf("got %s", dump(got))
			}
		})
	}
}

func TestSDKFlattenedValues(t *testing.T) {
	queries := map[string]string{
		"node v1 POST": "RedirectURL=https%3A%2F%2Fexample.com%2Fcb%3Fa%3D1%26b%3D%3Cx%3E&CompareImageBase64=aGVsbG8%3D&Extra=%C3%BCn%C3%AFcode%20%26%20spaces&Config.AutoSkip=true&Config.CheckMode=1&Action=ApplyWebVerificationBizTokenIntl&RequestClient=SDK_NODEJS_INTL_EN3.0.1335&Nonce=1622&Timestamp=1795715356&Version=2018-03-01&Language=en-US&SecretId=AKIDTEST&Region=ap-singapore&SignatureMethod=HmacSHA256&Signature=c%2Bxx",
		"go v1 GET":    "Action=ApplyWebVerificationBizTokenIntl&CompareImageBase64=aGVsbG8%3D&Config.AutoSkip=true&Config.CheckMode=1&Extra=%C3%BCn%C3%AFcode+%26+spaces&Language=en-US&Nonce=730250626676246455&RedirectURL=https%3A%2F%2Fexample.com%2Fcb%3Fa%3D1%26b%3D%3Cx%3E&Region=ap-singapore&RequestClient=SDK_GO_3.0&SecretId=AKIDTEST&Signature=x&SignatureMethod=HmacSHA1&Timestamp=1795715355&Version=2018-03-01&Token=tok",
		"py TC3 GET":   "RedirectURL=https%3A%2F%2Fexample.com%2Fcb%3Fa%3D1%26b%3D%3Cx%3E&CompareImageBase64=aGVsbG8%3D&Extra=%C3%BCn%C3%AFcode+%26+spaces&Config.AutoSkip=True&Config.CheckMode=1",
	}
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			values, err := url.ParseQuery(q)
			if err != nil {
				t.Fatal(err)
			}
			var got applyReq
			if err := params.DecodeValues(values, &got, params.V1CommonParams); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, vectorWant) {
				t.Errorf("got %s", dump(got))
			}
		})
	}
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestDecodeJSON(t *testing.T) {
	eightMB := strings.Repeat("A", 8<<20)
	tests := []struct {
		name  string
		body  string
		want  applyReq
		kind  params.Kind
		param string
	}{
		{name: "empty object", body: `{}`},
		{name: "whitespace", body: " \t\r\n{ \n} \n"},
		{name: "all config fields", body: `{"RedirectURL":"https://x/y","RuleId":"1","Config":{"AutoSkipStartPage":false,"AutoSkip":true,"CheckMode":4,"IDCardType":"HKIDCard","DisableCheckOcrWarnings":false,"SecurityLevel":2,"SkipPrivacyPolicy":true,"IdCardCutReturn":false,"ThemeColor":"#2d72f1","Language":"th","AutoDowngrade":2,"ActionList":"blink,mouth","LivenessRetryLimit":99,"LivenessTimeout":600,"SelectedWarningCodes":"-9101,-9104","AllowExpiredDocument":false,"Version":"PLUS"}}`,
			want: applyReq{RedirectURL: ptr("https://x/y"), RuleId: ptr("1"), Config: &config{
				AutoSkipStartPage: ptr(false), AutoSkip: ptr(true), CheckMode: ptr(int64(4)), IDCardType: ptr("HKIDCard"),
				DisableCheckOcrWarnings: ptr(false), SecurityLevel: ptr(int64(2)), SkipPrivacyPolicy: ptr(true),
				IdCardCutReturn: ptr(false), ThemeColor: ptr("#2d72f1"), Language: ptr("th"), AutoDowngrade: ptr(int64(2)),
				ActionList: ptr("blink,mouth"), LivenessRetryLimit: ptr(int64(99)), LivenessTimeout: ptr(uint64(600)),
				SelectedWarningCodes: ptr("-9101,-9104"), AllowExpiredDocument: ptr(false), Version: ptr("PLUS"),
			}}},
		{name: "zero values are present", body: `{"Extra":"","Config":{"CheckMode":0,"AutoSkip":false}}`,
			want: applyReq{Extra: ptr(""), Config: &config{CheckMode: ptr(int64(0)), AutoSkip: ptr(false)}}},
		{name: "null is absent", body: `{"Extra":null,"Config":null}`},
		{name: "null inside config", body: `{"Config":{"CheckMode":null}}`, want: applyReq{Config: &config{}}},
		{name: "escapes", body: `{"Extra":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00\u4e2d"}`, want: applyReq{Extra: ptr("a\"b\\c/d\b\f\n\r\t\u00e9\U0001F600中")}},
		{name: "raw utf-8", body: `{"Extra":"李**😀"}`, want: applyReq{Extra: ptr("李**😀")}},
		{name: "large integers", body: `{"Config":{"CheckMode":-9223372036854775808,"LivenessTimeout":18446744073709551615}}`,
			want: applyReq{Config: &config{CheckMode: ptr(int64(-9223372036854775808)), LivenessTimeout: ptr(uint64(18446744073709551615))}}},
		{name: "8 MB string", body: `{"CompareImageBase64":"` + eightMB + `"}`, want: applyReq{CompareImageBase64: &eightMB}},

		// Unknown.
		{name: "unknown top-level", body: `{"RedirectURL":"x","Foo":1}`, kind: params.Unknown, param: "Foo"},
		{name: "unknown nested", body: `{"Config":{"CheckMode":1,"IdCardType":"HKIDCard"}}`, kind: params.Unknown, param: "Config.IdCardType"},
		{name: "case-sensitive", body: `{"redirecturl":"x"}`, kind: params.Unknown, param: "redirecturl"},
		{name: "unknown escaped key", body: `{"F\u006fo":1}`, kind: params.Unknown, param: "Foo"},
		{name: "first semantic error wins", body: `{"A":1,"Config":{"CheckMode":"1"}}`, kind: params.Unknown, param: "A"},
		{name: "unknown with nested value", body: `{"X":{"a":[1,{"b":null}]}}`, kind: params.Unknown, param: "X"},

		// WrongType.
		{name: "string for int", body: `{"Config":{"CheckMode":"1"}}`, kind: params.WrongType, param: "Config.CheckMode"},
		{name: "float for int", body: `{"Config":{"CheckMode":1.0}}`, kind: params.WrongType, param: "Config.CheckMode"},
		{name: "exponent for int", body: `{"Config":{"CheckMode":1e2}}`, kind: params.WrongType, param: "Config.CheckMode"},
		{name: "int overflow", body: `{"Config":{"CheckMode":9223372036854775808}}`, kind: params.WrongType, param: "Config.CheckMode"},
		{name: "negative uint", body: `{"Config":{"LivenessTimeout":-1}}`, kind: params.WrongType, param: "Config.LivenessTimeout"},
		{name: "string for bool", body: `{"Config":{"AutoSkip":"true"}}`, kind: params.WrongType, param: "Config.AutoSkip"},
		{name: "number for bool", body: `{"Config":{"AutoSkip":1}}`, kind: params.WrongType, param: "Config.AutoSkip"},
		{name: "number for string", body: `{"RuleId":1}`, kind: params.WrongType, param: "RuleId"},
		{name: "object for string", body: `{"Extra":{"a":1}}`, kind: params.WrongType, param: "Extra"},
		{name: "array for object", body: `{"Config":[]}`, kind: params.WrongType, param: "Config"},
		{name: "string for object", body: `{"Config":"{}"}`, kind: params.WrongType, param: "Config"},

		// Malformed.
		{name: "empty body", body: ``, kind: params.Malformed},
		{name: "only whitespace", body: "  \n", kind: params.Malformed},
		{name: "array body", body: `[]`, kind: params.Malformed},
		{name: "null body", body: `null`, kind: params.Malformed},
		{name: "string body", body: `"x"`, kind: params.Malformed},
		{name: "bom", body: "\xef\xbb\xbf{}", kind: params.Malformed},
		{name: "trailing data", body: `{}{}`, kind: params.Malformed},
		{name: "trailing garbage", body: `{} x`, kind: params.Malformed},
		{name: "unterminated", body: `{"Extra":"abc`, kind: params.Malformed},
		{name: "truncated", body: `{"Extra":"abc"`, kind: params.Malformed},
		{name: "trailing comma", body: `{"Extra":"abc",}`, kind: params.Malformed},
		{name: "single quotes", body: `{'Extra':'abc'}`, kind: params.Malformed},
		{name: "missing colon", body: `{"Extra" "abc"}`, kind: params.Malformed},
		{name: "control char", body: "{\"Extra\":\"a\nb\"}", kind: params.Malformed, param: ""},
		{name: "bad escape", body: `{"Extra":"\x"}`, kind: params.Malformed},
		{name: "short unicode escape", body: `{"Extra":"\u12"}`, kind: params.Malformed},
		{name: "lone high surrogate", body: `{"Extra":"\ud83d"}`, kind: params.Malformed},
		{name: "lone low surrogate", body: `{"Extra":"\ude00x"}`, kind: params.Malformed},
		{name: "high + non-low", body: `{"Extra":"\ud83d\u0041"}`, kind: params.Malformed},
		{name: "invalid utf-8", body: "{\"Extra\":\"\xff\"}", kind: params.Malformed},
		{name: "invalid utf-8 in key", body: "{\"\xc3\":1}", kind: params.Malformed},
		{name: "encoded surrogate", body: "{\"Extra\":\"\xed\xa0\x80\"}", kind: params.Malformed},
		{name: "overlong utf-8", body: "{\"Extra\":\"\xc0\xaf\"}", kind: params.Malformed},
		{name: "leading zero", body: `{"Config":{"CheckMode":01}}`, kind: params.Malformed},
		{name: "plus sign", body: `{"Config":{"CheckMode":+1}}`, kind: params.Malformed},
		{name: "bare dot", body: `{"Config":{"CheckMode":1.}}`, kind: params.Malformed},
		{name: "NaN", body: `{"Config":{"CheckMode":NaN}}`, kind: params.Malformed},
		{name: "bad literal", body: `{"Config":{"AutoSkip":tru}}`, kind: params.Malformed},
		{name: "capital True", body: `{"Config":{"AutoSkip":True}}`, kind: params.Malformed},
		{name: "duplicate key", body: `{"Extra":"a","Extra":"b"}`, kind: params.Malformed, param: "Extra"},
		{name: "duplicate nested key", body: `{"Config":{"CheckMode":1,"CheckMode":1}}`, kind: params.Malformed, param: "Config.CheckMode"},
		{name: "syntax beats earlier unknown", body: `{"Foo":1,"Extra":"x",}`, kind: params.Malformed},
		{name: "syntax inside unknown", body: `{"Foo":{"a":}}`, kind: params.Malformed},
		{name: "too deep inside unknown", body: `{"Foo":` + strings.Repeat("[", 32) + strings.Repeat("]", 32) + `}`, kind: params.Malformed, param: ""},
		{name: "deep but allowed inside unknown", body: `{"Foo":` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + `}`, kind: params.Unknown, param: "Foo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got applyReq
			err := params.DecodeJSON([]byte(tt.body), &got)
			if tt.kind == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %.300s\nwant %.300s", dump(got), dump(tt.want))
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, got %.300s", dump(got))
			}
			if err.Kind != tt.kind || (tt.param != "" || tt.kind != params.Malformed) && err.Param != tt.param {
				t.Errorf("error %v (Kind %v, Param %q), want Kind %v Param %q", err, err.Kind, err.Param, tt.kind, tt.param)
			}
			if err.Reason == "" || !strings.HasPrefix(err.Error(), "params: ") {
				t.Errorf("bad message %q", err.Error())
			}
		})
	}
}

func TestDecodeJSONGetRequest(t *testing.T) {
	var got getReq
	if err := params.DecodeJSON([]byte(`{"BizToken":"81EEF678-28EE-4759-A82E-6CBBBE6BC442"}`), &got); err != nil {
		t.Fatal(err)
	}
	if got.BizToken == nil || *got.BizToken != "81EEF678-28EE-4759-A82E-6CBBBE6BC442" {
		t.Fatalf("got %+v", got)
	}
	err := params.DecodeJSON([]byte(`{"BizToken":"x","RedirectURL":"y"}`), &getReq{})
	if err == nil || err.Kind != params.Unknown || err.Param != "RedirectURL" {
		t.Fatalf("err = %v", err)
	}
}

func TestDecodeJSONDepth(t *testing.T) {
	type node struct {
		Next *node `json:"Next"`
		V    []node
	}
	nest := func(n int) string { // n objects deep
		return strings.Repeat(`{"Next":`, n-1) + "{}" + strings.Repeat("}", n-1)
	}
	if err := params.DecodeJSON([]byte(nest(params.MaxDepth)), &node{}); err != nil {
		t.Fatalf("depth %d: %v", params.MaxDepth, err)
	}
	err := params.DecodeJSON([]byte(nest(params.MaxDepth+1)), &node{})
	if err == nil || err.Kind != params.Malformed || !strings.Contains(err.Reason, "nesting deeper than 32") {
		t.Fatalf("depth %d: %v", params.MaxDepth+1, err)
	}
	if want := strings.TrimSuffix(strings.Repeat("Next.", params.MaxDepth), "."); err.Param != want {
		t.Errorf("Param = %q, want %q", err.Param, want)
	}
	// Arrays count too.
	body := `{"V":` + strings.Repeat(`[{"V":`, 16) + "null" + strings.Repeat("}]", 16) + "}"
	if err := params.DecodeJSON([]byte(body), &node{}); err == nil || err.Kind != params.Malformed {
		t.Fatalf("33 levels through arrays: %v", err)
	}
	// A huge nesting does not blow the stack.
	huge := strings.Repeat("[", 1<<20)
	if err := params.DecodeJSON([]byte(`{"V":`+huge), &node{}); err == nil || err.Kind != params.Malformed {
		t.Fatalf("huge nesting: %v", err)
	}
}

// Types for the list and scalar-type cases of both decoders.
type filter struct {
	Name   *string  `json:"Name"`
	Values []string `json:"Values"`
}

type listReq struct {
	Tags       []string  `json:"Tags,omitempty"`
	Filters    []filter  `json:"Filters,omitempty"`
	Ptrs       []*filter `json:"Ptrs"`
	Nums       []int64   `json:"Nums"`
	Small      *int8     `json:"Small"`
	U8         *uint8    `json:"U8"`
	F32        *float32  `json:"F32"`
	F64        float64   `json:"F64"`
	Plain      int       `json:"Plain"`
	NoTag      string
	Ignored    string `json:"-"`
	unexported int
}

func TestDecodeJSONLists(t *testing.T) {
	body := `{"Tags":["a","b"],"Filters":[{"Name":"n","Values":["x","y"]},{"Values":[]}],"Ptrs":[null,{"Name":"p"}],
		"Nums":[1,-2],"Small":-128,"U8":255,"F32":1.5,"F64":-2.5e-3,"Plain":7,"NoTag":"nt"}`
	var got listReq
	if err := params.DecodeJSON([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := listReq{
		Tags:    []string{"a", "b"},
		Filters: []filter{{Name: ptr("n"), Values: []string{"x", "y"}}, {Values: []string{}}},
		Ptrs:    []*filter{nil, {Name: ptr("p")}},
		Nums:    []int64{1, -2}, Small: ptr(int8(-128)), U8: ptr(uint8(255)), F32: ptr(float32(1.5)),
		F64: -2.5e-3, Plain: 7, NoTag: "nt",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	for _, tc := range []struct{ body, param string }{
		{`{"Filters":[{"Name":"n"},{"Name":1}]}`, "Filters.1.Name"},
		{`{"Filters":[{"Values":["x",2]}]}`, "Filters.0.Values.1"},
		{`{"Small":128}`, "Small"},
		{`{"U8":256}`, "U8"},
		{`{"F32":1e39}`, "F32"},
		{`{"F64":1e400}`, "F64"},
		{`{"Ignored":"x"}`, "Ignored"},
		{`{"unexported":1}`, "unexported"},
		{`{"Tags":"a"}`, "Tags"},
	} {
		err := params.DecodeJSON([]byte(tc.body), &listReq{})
		if err == nil || err.Param != tc.param || (err.Kind != params.WrongType && err.Kind != params.Unknown) {
			t.Errorf("%s: err = %v", tc.body, err)
		}
	}
}

func TestDecodeValues(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  applyReq
		kind  params.Kind
		param string
	}{
		{name: "empty", query: ""},
		{name: "only common params", query: "Action=A&Version=2018-03-01&Region=ap-singapore"},
		{name: "bools", query: "Config.AutoSkip=True&Config.AutoSkipStartPage=False&Config.SkipPrivacyPolicy=1&Config.IdCardCutReturn=0&Config.AllowExpiredDocument=false&Config.DisableCheckOcrWarnings=true",
			want: applyReq{Config: &config{AutoSkip: ptr(true), AutoSkipStartPage: ptr(false), SkipPrivacyPolicy: ptr(true),
				IdCardCutReturn: ptr(false), AllowExpiredDocument: ptr(false), DisableCheckOcrWarnings: ptr(true)}}},
		{name: "ints", query: "Config.CheckMode=4&Config.SecurityLevel=-1&Config.LivenessTimeout=600&Config.LivenessRetryLimit=%2B5",
			want: applyReq{Config: &config{CheckMode: ptr(int64(4)), SecurityLevel: ptr(int64(-1)), LivenessTimeout: ptr(uint64(600)), LivenessRetryLimit: ptr(int64(5))}}},
		{name: "empty string value", query: "Extra=&RedirectURL=x", want: applyReq{Extra: ptr(""), RedirectURL: ptr("x")}},
		{name: "first value wins", query: "Extra=first&Extra=second&Config.CheckMode=1&Config.CheckMode=x",
			want: applyReq{Extra: ptr("first"), Config: &config{CheckMode: ptr(int64(1))}}},

		{name: "unknown", query: "RedirectURL=x&Foo=1", kind: params.Unknown, param: "Foo"},
		{name: "unknown nested", query: "Config.IdCardType=HKIDCard", kind: params.Unknown, param: "Config.IdCardType"},
		{name: "case-sensitive", query: "config.CheckMode=1", kind: params.Unknown, param: "config.CheckMode"},
		{name: "path through scalar", query: "Extra.X=1", kind: params.Unknown, param: "Extra.X"},
		{name: "empty segment", query: "Config..CheckMode=1", kind: params.Unknown, param: "Config..CheckMode"},
		{name: "trailing dot", query: "Config.=1", kind: params.Unknown, param: "Config."},
		{name: "empty key", query: "=1", kind: params.Unknown, param: ""},
		{name: "sorted order decides", query: "Zed=1&Config.CheckMode=x", kind: params.WrongType, param: "Config.CheckMode"},

		{name: "int from text", query: "Config.CheckMode=one", kind: params.WrongType, param: "Config.CheckMode"},
		{name: "int from float", query: "Config.CheckMode=1.0", kind: params.WrongType, param: "Config.CheckMode"},
		{name: "int with space", query: "Config.CheckMode=+1+", kind: params.WrongType, param: "Config.CheckMode"},
		{name: "empty int", query: "Config.CheckMode=", kind: params.WrongType, param: "Config.CheckMode"},
		{name: "int overflow", query: "Config.CheckMode=9223372036854775808", kind: params.WrongType, param: "Config.CheckMode"},
		{name: "negative uint", query: "Config.LivenessTimeout=-1", kind: params.WrongType, param: "Config.LivenessTimeout"},
		{name: "bool yes", query: "Config.AutoSkip=yes", kind: params.WrongType, param: "Config.AutoSkip"},
		{name: "bool TRUE", query: "Config.AutoSkip=TRUE", kind: params.WrongType, param: "Config.AutoSkip"},
		{name: "empty bool", query: "Config.AutoSkip=", kind: params.WrongType, param: "Config.AutoSkip"},
		{name: "object as value", query: "Config=%7B%7D", kind: params.WrongType, param: "Config"},

		{name: "invalid utf-8", query: "Extra=%FF", kind: params.Malformed, param: "Extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			var got applyReq
			perr := params.DecodeValues(values, &got, params.V1CommonParams)
			if tt.kind == 0 {
				if perr != nil {
					t.Fatalf("unexpected error: %v", perr)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %s\nwant %s", dump(got), dump(tt.want))
				}
				return
			}
			if perr == nil || perr.Kind != tt.kind || perr.Param != tt.param {
				t.Fatalf("error %v, want Kind %v Param %q", perr, tt.kind, tt.param)
			}
			if perr.Reason == "" {
				t.Error("empty Reason")
			}
		})
	}

	t.Run("get request", func(t *testing.T) {
		var got getReq
		if err := params.DecodeValues(url.Values{"BizToken": {"T"}, "Action": {"GetWebVerificationResultIntl"}}, &got, params.V1CommonParams); err != nil {
			t.Fatal(err)
		}
		if *got.BizToken != "T" {
			t.Fatal(*got.BizToken)
		}
	})

	t.Run("nil skip and empty value list", func(t *testing.T) {
		var got getReq
		err := params.DecodeValues(url.Values{"BizToken": {"T"}, "Ignored": {}}, &got, nil)
		if err != nil || *got.BizToken != "T" {
			t.Fatalf("err %v", err)
		}
		if err := params.DecodeValues(url.Values{"Action": {"x"}}, &got, nil); err == nil || err.Kind != params.Unknown {
			t.Fatalf("nil skip should skip nothing: %v", err)
		}
	})
}

func TestDecodeValuesLists(t *testing.T) {
	q := "Tags.1=b&Tags.0=a&Filters.0.Name=n&Filters.0.Values.0=x&Filters.0.Values.1=y&Filters.1.Name=m" +
		"&Ptrs.0.Name=p&Nums.0=1&Nums.1=-2&Small=-128&U8=255&F32=1.5&F64=-2.5e-3&Plain=7&NoTag=nt"
	values, _ := url.ParseQuery(q)
	var got listReq
	if err := params.DecodeValues(values, &got, nil); err != nil {
		t.Fatal(err)
	}
	want := listReq{
		Tags:    []string{"a", "b"},
		Filters: []filter{{Name: ptr("n"), Values: []string{"x", "y"}}, {Name: ptr("m")}},
		Ptrs:    []*filter{{Name: ptr("p")}},
		Nums:    []int64{1, -2}, Small: ptr(int8(-128)), U8: ptr(uint8(255)), F32: ptr(float32(1.5)),
		F64: -2.5e-3, Plain: 7, NoTag: "nt",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	for _, tc := range []struct {
		query string
		kind  params.Kind
		param string
	}{
		{"Tags.1=b", params.Malformed, "Tags.1"},                                                // index ≥ number of keys
		{"Tags.2=c&Tags.0=a&X.1=1", params.Unknown, "X.1"},                                      // X sorts last; Tags.2 ok so far
		{"Tags.0=a&Tags.2=c&Plain=1", params.Malformed, "Tags.2"},                               // gap found while growing
		{"Tags.2=c&Tags.0=a&Filters.0.Name=n&Filters.0.Values.0=x", params.Malformed, "Tags.1"}, // gap found at the end
		{"Filters.0.Values.1=y&Filters.0.Name=n", params.Malformed, "Filters.0.Values.0"},
		{"Tags.01=a", params.Unknown, "Tags.01"},
		{"Tags.-1=a", params.Unknown, "Tags.-1"},
		{"Tags.x=a", params.Unknown, "Tags.x"},
		{"Tags.=a", params.Unknown, "Tags."},
		{"Tags.99999999999=a", params.Unknown, "Tags.99999999999"},
		{"Tags=a", params.WrongType, "Tags"},
		{"Filters.0=a", params.WrongType, "Filters.0"},
		{"Filters.0.Nope=a", params.Unknown, "Filters.0.Nope"},
		{"Tags.0.X=a", params.Unknown, "Tags.0.X"},
		{"Small=128", params.WrongType, "Small"},
		{"U8=256", params.WrongType, "U8"},
		{"F32=1e39", params.WrongType, "F32"},
		{"F64=NaN", params.WrongType, "F64"},
		{"F64=Inf", params.WrongType, "F64"},
		{"F64=0x10", params.WrongType, "F64"},
		{"F64=", params.WrongType, "F64"},
		{"Ignored=x", params.Unknown, "Ignored"},
		{"unexported=1", params.Unknown, "unexported"},
	} {
		values, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		perr := params.DecodeValues(values, &listReq{}, nil)
		if perr == nil || perr.Kind != tc.kind || perr.Param != tc.param {
			t.Errorf("%s: err = %v, want Kind %v Param %q", tc.query, perr, tc.kind, tc.param)
		}
	}
}

// Nested lists cannot be used to allocate more elements than the input
// has key segments.
func TestDecodeValuesListBudget(t *testing.T) {
	const n = 2000
	values := url.Values{}
	for i := range n {
		values.Set("Filters."+strconv.Itoa(i)+".Values."+strconv.Itoa(n-1), "x")
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := params.DecodeValues(values, &listReq{}, nil)
	runtime.ReadMemStats(&after)
	if err == nil || err.Kind != params.Malformed {
		t.Fatalf("err = %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("allocated %d bytes", alloc)
	}
}

func TestErrorString(t *testing.T) {
	for _, tc := range []struct {
		err  params.Error
		want string
	}{
		{params.Error{Kind: params.Unknown, Param: "Config.Foo", Reason: "not a field of WebVerificationConfigIntl"},
			`params: unknown parameter "Config.Foo": not a field of WebVerificationConfigIntl`},
		{params.Error{Kind: params.WrongType, Param: "Config.CheckMode", Reason: "expected an integer, got a string"},
			`params: wrong type for parameter "Config.CheckMode": expected an integer, got a string`},
		{params.Error{Kind: params.Malformed, Reason: "body is not a JSON object"}, `params: malformed input: body is not a JSON object`},
		{params.Error{Kind: params.Malformed, Param: "Extra", Reason: "invalid UTF-8"}, `params: malformed parameter "Extra": invalid UTF-8`},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
	if params.Unknown.String() != "Unknown" || params.WrongType.String() != "WrongType" ||
		params.Malformed.String() != "Malformed" || params.Kind(0).String() != "Kind(0)" {
		t.Error("Kind.String")
	}
	var err error = &params.Error{Kind: params.Unknown, Param: "X", Reason: "r"}
	if !strings.Contains(err.Error(), `"X"`) {
		t.Error(err)
	}
}

func TestBadDstPanics(t *testing.T) {
	for name, dst := range map[string]any{
		"non-pointer": applyReq{},
		"nil pointer": (*applyReq)(nil),
		"not struct":  new(string),
		"map field":   &struct{ M map[string]string }{},
		"iface field": &struct{ I any }{},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			params.DecodeJSON([]byte(`{}`), dst)
		})
	}
}

func TestLongValuesAreClippedInMessages(t *testing.T) {
	long := strings.Repeat("9", 1000)
	err := params.DecodeJSON([]byte(`{"Config":{"CheckMode":`+long+`}}`), &applyReq{})
	if err == nil || len(err.Error()) > 200 {
		t.Fatalf("err = %v", err)
	}
	err = params.DecodeValues(url.Values{"Config.AutoSkip": {strings.Repeat("é", 500)}}, &applyReq{}, nil)
	if err == nil || len(err.Error()) > 200 || !strings.Contains(err.Error(), "...") {
		t.Fatalf("err = %v", err)
	}
}

// First use of a type from many goroutines at once (run with -race).
func TestConcurrentFirstUse(t *testing.T) {
	type inner struct {
		A *int64 `json:"A"`
	}
	type fresh struct {
		In   *inner  `json:"In"`
		List []inner `json:"List"`
	}
	done := make(chan *params.Error)
	for i := range 16 {
		go func() {
			var v fresh
			if i%2 == 0 {
				done <- params.DecodeJSON([]byte(`{"In":{"A":1},"List":[{"A":2}]}`), &v)
			} else {
				done <- params.DecodeValues(url.Values{"In.A": {"1"}, "List.0.A": {"2"}}, &v, nil)
			}
		}()
	}
	for range 16 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
