package params_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api/params"
)

var jsonSeeds = []string{
	`{}`,
	`{"RedirectURL":"https://example.com/cb?a=1&b=<x>","CompareImageBase64":"aGVsbG8=","Extra":"ünïcode & spaces","Config":{"AutoSkip":true,"CheckMode":1}}`,
	`{"RedirectURL":"https:\/\/example.com\/cb?a=1\u0026b=\u003cx\u003e","Extra":"\u00fcn\ud83d\ude00"}`,
	`{"Config":{"AutoSkipStartPage":false,"CheckMode":4,"IDCardType":"HKIDCard","SecurityLevel":2,"LivenessTimeout":600,"Version":"PLUS"}}`,
	`{"Config":null,"Extra":null}`,
	`{"Config":{"CheckMode":"1"}}`,
	`{"Config":{"CheckMode":1.5e3}}`,
	`{"Foo":[1,{"a":[null,true,false,-0.1e-2]}]}`,
	`{"Extra":"a","Extra":"b"}`,
	`{"Extra":"\ud83d"}`,
	"{\"Extra\":\"\xff\"}",
	`[1,2]`,
	`{} {}`,
	strings.Repeat(`{"Config":`, 40),
}

// FuzzDecodeJSON: never panics; invalid JSON is always Malformed; and
// whatever DecodeJSON accepts, encoding/json (strict mode) accepts with the
// same result.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var got applyReq
		err := params.DecodeJSON(body, &got)
		if !json.Valid(body) {
			if err == nil || err.Kind != params.Malformed {
				t.Fatalf("invalid JSON %q: err = %v", body, err)
			}
			return
		}
		if err != nil {
			if err.Reason == "" || err.Error() == "" {
				t.Fatalf("empty error for %q", body)
			}
			return
		}
		var want applyReq
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("DecodeJSON accepted %q, encoding/json: %v", body, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nparams        %s\nencoding/json %s", body, dump(got), dump(want))
		}

		var lr listReq
		_ = params.DecodeJSON(body, &lr)
		var gr getReq
		_ = params.DecodeJSON(body, &gr)
	})
}

// FuzzDecodeValues: never panics, and what DecodeValues accepts survives a
// flatten/decode round trip.
func FuzzDecodeValues(f *testing.F) {
	for _, s := range []string{
		"",
		"RedirectURL=https%3A%2F%2Fexample.com&Config.AutoSkip=True&Config.CheckMode=1&Action=X",
		"Config.LivenessTimeout=600&Config.SecurityLevel=-3&Extra=%C3%BC",
		"Tags.0=a&Tags.1=b&Filters.0.Name=n&Filters.0.Values.0=x&Ptrs.0.Name=p&Nums.0=-1&F64=1e-3&Small=-128&U8=255",
		"Tags.1=a&Tags.0=b&Tags.2=c",
		"Tags.01=a&Filters.0=x&Config=1&Config..A=1",
		"Extra=a&Extra=b",
		"Config.AutoSkip=yes",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		values, _ := url.ParseQuery(q)

		var a applyReq
		if err := params.DecodeValues(values, &a, params.V1CommonParams); err == nil {
			roundTrip(t, values, &a, &applyReq{})
		} else if err.Reason == "" {
			t.Fatalf("empty reason for %q", q)
		}
		var l listReq
		if err := params.DecodeValues(values, &l, nil); err == nil {
			roundTrip(t, values, &l, &listReq{})
		}
	})
}

func roundTrip(t *testing.T, in url.Values, got, fresh any) {
	t.Helper()
	flat := url.Values{}
	flatten(flat, "", reflect.ValueOf(got).Elem())
	if err := params.DecodeValues(flat, fresh, nil); err != nil {
		t.Fatalf("round trip of %v via %v: %v", in, flat, err)
	}
	if !reflect.DeepEqual(got, fresh) {
		t.Fatalf("round trip of %v via %v:\n%#v\n%#v", in, flat, got, fresh)
	}
}

// flatten is the SDKs' v1 flattening, for the round trip.
func flatten(out url.Values, prefix string, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			flatten(out, prefix, v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if !sf.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if prefix != "" {
				name = prefix + "." + name
			}
			flatten(out, name, v.Field(i))
		}
	case reflect.Slice:
		for i := range v.Len() {
			flatten(out, prefix+"."+strconv.Itoa(i), v.Index(i))
		}
	case reflect.String:
		out.Set(prefix, v.String())
	case reflect.Bool:
		out.Set(prefix, strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		out.Set(prefix, strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		out.Set(prefix, strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		out.Set(prefix, strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits()))
	}
}
