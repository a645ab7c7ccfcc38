package model

import (
	"encoding/json"
	"github.com/faceid-emulator/faceid-emulator/catalog"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestIDCardTypesIsACopy(t *testing.T) {
	a := IDCardTypes()
	if len(a) != 12 {
		t.Fatalf("len = %d, want 12", len(a))
	}
	a[0] = "changed"
	if IDCardTypes()[0] != "HKIDCard" {
		t.Fatal("IDCardTypes returned shared state")
	}
	for _, typ := range IDCardTypes() {
		if !IsIDCardType(typ) {
			t.Errorf("IsIDCardType(%q) = false", typ)
		}
	}
	for _, bad := range []string{"", "hkidcard", "GeneralCard", "HMTPermitCard", "MacaoIDCard"} {
		if IsIDCardType(bad) {
			t.Errorf("IsIDCardType(%q) = true", bad)
		}
	}
}

// The card object type behind each NormalCardInfo key (spec NormalCardInfo).
var wantCardType = map[string]string{
	"HKIDCard":                  "NormalHKIDCard",
	"MLIDCard":                  "NormalMLIDCard",
	"IndonesiaIDCard":           "NormalIndonesiaIDCard",
	"PhilippinesVoteID":         "PhilippinesVoteID",
	"PhilippinesDrivingLicense": "PhilippinesDrivingLicense",
	"PhilippinesTinID":          "PhilippinesTinID",
	"PhilippinesSSSID":          "PhilippinesSSSID",
	"PhilippinesUMID":           "PhilippinesUMID",
	"InternationalIDPassport":   "InternationalIDPassport",
	"ThailandIDCard":            "NormalThailandIDCard",
	"SingaporeIDCard":           "SingaporeIDCard",
	"MainlandIDCard":            "MainlandIDCard",
}

// Fields intentionally left nil in the samples.
var nilSampleFields = map[string]bool{"SingaporeIDCard.DateOfExpiration": true}

func TestSampleCardAllTypes(t *testing.T) {
	for _, typ := range IDCardTypes() {
		t.Run(typ, func(t *testing.T) {
			card, err := SampleCard(typ)
			if err != nil {
				t.Fatal(err)
			}
			v := reflect.ValueOf(card).Elem()
			set := 0
			for i := range v.NumField() {
				f := v.Field(i)
				if f.IsNil() {
					continue
				}
				set++
				if name := v.Type().Field(i).Name; name != typ {
					t.Errorf("key %s set, want only %s", name, typ)
				}
				if got := f.Type().Elem().Name(); got != wantCardType[typ] {
					t.Errorf("object type %s, want %s", got, wantCardType[typ])
				}
				obj := f.Elem()
				for j := range obj.NumField() {
					name := typ + "." + obj.Type().Field(j).Name
					fv := obj.Field(j)
					switch {
					case nilSampleFields[name]:
						if !fv.IsNil() {
							t.Errorf("%s should be nil", name)
						}
					case fv.IsNil():
						t.Errorf("%s is nil", name)
					case strings.TrimSpace(fv.Elem().String()) == "":
						t.Errorf("%s is empty", name)
					}
				}
			}
			if set != 1 {
				t.Errorf("%d keys set, want 1", set)
			}
			// Fresh values every call.
			again, _ := SampleCard(typ)
			if err := ApplyCardOverrides(again, typ, map[string]string{CardFieldNames(typ)[0]: "X"}); err != nil {
				t.Fatal(err)
			}
			if reflect.DeepEqual(card, again) {
				t.Error("SampleCard results share state")
			}
			// The sample marshals with exactly one non-null key.
			b, err := json.Marshal(card)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			for k, raw := range m {
				if (k == typ) == (string(raw) == "null") {
					t.Errorf("key %s = %s", k, raw)
				}
			}
		})
	}
	if _, err := SampleCard("GeneralCard"); err == nil || !strings.Contains(err.Error(), `"GeneralCard"`) {
		t.Errorf("unknown type error = %v", err)
	}
}

// Document-number check digits, so the samples look real to format checks.
func TestSampleCardCheckDigits(t *testing.T) {
	get := func(typ, field string) string {
		t.Helper()
		card, err := SampleCard(typ)
		if err != nil {
			t.Fatal(err)
		}
		return reflect.ValueOf(card).Elem().FieldByName(typ).Elem().FieldByName(field).Elem().String()
	}

	// HKID: A123456(3).
	hk := regexp.MustCompile(`^([A-Z]{1,2})(\d{6})\(([0-9A])\)$`).FindStringSubmatch(get("HKIDCard", "LicenseNumber"))
	if hk == nil {
		t.Fatal("HKID format")
	}
	vals := []int{}
	if len(hk[1]) == 1 {
		vals = append(vals, 36)
	}
	for _, c := range hk[1] {
		vals = append(vals, int(c-'A')+10)
	}
	for _, c := range hk[2] {
		vals = append(vals, int(c-'0'))
	}
	sum := 0
	for i, v := range vals {
		sum += v * (9 - i)
	}
	if want := "0123456789A"[(11-sum%11)%11]; hk[3][0] != want {
		t.Errorf("HKID check digit %s, want %c", hk[3], want)
	}

	// PRC resident ID: ISO 7064 MOD 11-2.
	id := get("MainlandIDCard", "LicenseNumber")
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum = 0
	for i, w := range weights {
		sum += int(id[i]-'0') * w
	}
	if want := "10X98765432"[sum%11]; id[17] != want {
		t.Errorf("PRC ID check digit %c, want %c", id[17], want)
	}

	// Thai ID.
	th := get("ThailandIDCard", "LicenseNumber")
	sum = 0
	for i := range 12 {
		sum += int(th[i]-'0') * (13 - i)
	}
	if want := byte('0' + (11-sum%11)%10); th[12] != want {
		t.Errorf("Thai ID check digit %c, want %c", th[12], want)
	}

	// Singapore NRIC (S prefix).
	nric := get("SingaporeIDCard", "LicenseNumber")
	sum = 0
	for i, w := range []int{2, 7, 6, 5, 4, 3, 2} {
		sum += int(nric[i+1]-'0') * w
	}
	if want := "JZIHGFEDCBA"[sum%11]; nric[8] != want {
		t.Errorf("NRIC check letter %c, want %c", nric[8], want)
	}

	// Passport MRZ (ICAO 9303 TD3).
	l1, l2 := get("InternationalIDPassport", "PassportCodeFirst"), get("InternationalIDPassport", "PassportCodeSecond")
	if len(l1) != 44 || len(l2) != 44 {
		t.Fatalf("MRZ line lengths %d, %d", len(l1), len(l2))
	}
	for _, c := range []struct {
		data  string
		check byte
	}{
		{l2[0:9], l2[9]}, {l2[13:19], l2[19]}, {l2[21:27], l2[27]}, {l2[28:42], l2[42]},
		{l2[0:10] + l2[13:20] + l2[21:43], l2[43]},
	} {
		if got := mrzCheck(c.data); got != c.check {
			t.Errorf("MRZ check of %q = %c, line has %c", c.data, got, c.check)
		}
	}
	if !strings.HasPrefix(l2, get("InternationalIDPassport", "LicenseNumber")) {
		t.Error("MRZ does not carry the passport number")
	}
}

func mrzCheck(s string) byte {
	w := [3]int{7, 3, 1}
	sum := 0
	for i, c := range s {
		v := 0
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		}
		sum += v * w[i%3]
	}
	return byte('0' + sum%10)
}

func TestCardFieldNames(t *testing.T) {
	if got := CardFieldNames("HKIDCard"); !slices.Equal(got, []string{
		"ChineseName", "FullName", "RegistrationNumber", "Sex", "Birthday", "Permanent",
		"LicenseNumber", "Symbol", "IssuedDate", "CurrentIssueDate", "HKIDVersion",
	}) {
		t.Errorf("HKIDCard fields = %v", got)
	}
	for _, typ := range IDCardTypes() {
		names := CardFieldNames(typ)
		obj := reflect.TypeFor[NormalCardInfo]()
		f, _ := obj.FieldByName(typ)
		if len(names) == 0 || len(names) != f.Type.Elem().NumField() {
			t.Errorf("%s: %d names, object has %d fields", typ, len(names), f.Type.Elem().NumField())
		}
	}
	if CardFieldNames("Nope") != nil {
		t.Error("unknown type should give nil")
	}
}

func TestApplyCardOverrides(t *testing.T) {
	for _, typ := range IDCardTypes() {
		t.Run(typ, func(t *testing.T) {
			card, _ := SampleCard(typ)
			fields := map[string]string{}
			for _, n := range CardFieldNames(typ) {
				fields[n] = "override " + n
			}
			if err := ApplyCardOverrides(card, typ, fields); err != nil {
				t.Fatal(err)
			}
			obj := reflect.ValueOf(card).Elem().FieldByName(typ).Elem()
			for n, want := range fields {
				if got := obj.FieldByName(n).Elem().String(); got != want {
					t.Errorf("%s = %q, want %q", n, got, want)
				}
			}
		})
	}

	t.Run("allocates a nil card object", func(t *testing.T) {
		var card NormalCardInfo
		if err := ApplyCardOverrides(&card, "MLIDCard", map[string]string{"FullName": "X"}); err != nil {
			t.Fatal(err)
		}
		if card.MLIDCard == nil || *card.MLIDCard.FullName != "X" || card.MLIDCard.Sex != nil {
			t.Fatalf("got %+v", card.MLIDCard)
		}
	})

	t.Run("unknown fields change nothing", func(t *testing.T) {
		card, _ := SampleCard("HKIDCard")
		err := ApplyCardOverrides(card, "HKIDCard", map[string]string{"FullName": "X", "CnName": "Y", "fullname": "Z"})
		if err == nil || !strings.Contains(err.Error(), "CnName, fullname") {
			t.Fatalf("err = %v", err)
		}
		if *card.HKIDCard.FullName != "CHAN, Tai Man" {
			t.Error("card changed despite the error")
		}
	})

	t.Run("errors", func(t *testing.T) {
		if err := ApplyCardOverrides(nil, "HKIDCard", nil); err == nil {
			t.Error("nil card accepted")
		}
		if err := ApplyCardOverrides(&NormalCardInfo{}, "GeneralCard", nil); err == nil {
			t.Error("unknown type accepted")
		}
		var card NormalCardInfo
		if err := ApplyCardOverrides(&card, "HKIDCard", nil); err != nil || card.HKIDCard != nil {
			t.Errorf("empty overrides: err %v, card %+v", err, card.HKIDCard)
		}
	})
}

func TestOriginalCardInfoJSON(t *testing.T) {
	hk, _ := SampleCard("HKIDCard")
	got := OriginalCardInfoJSON(hk, "HKIDCard", []int{-9101, -9104}, "946d-5e333d")
	want := `{"CnName":"陳大文","EnName":"CHAN, Tai Man","TelexCode":"7115 1129 2429","Sex":"男M",` +
		`"Birthday":"01-01-1990","Permanent":"1","IdNum":"A123456(3)","Symbol":"***AZ","FirstIssueDate":"01-08",` +
		`"CurrentIssueDate":"20-06-18","WarnCardInfos":[-9101,-9104],"RequestId":"946d-5e333d"}`
	if got != want {
		t.Errorf("HKIDCard:\ngot  %s\nwant %s", got, want)
	}

	for _, typ := range IDCardTypes() {
		t.Run(typ, func(t *testing.T) {
			card, _ := SampleCard(typ)
			s := OriginalCardInfoJSON(card, typ, nil, "rid")
			var m map[string]any
			if err := json.Unmarshal([]byte(s), &m); err != nil {
				t.Fatalf("invalid JSON %s: %v", s, err)
			}
			if w, ok := m["WarnCardInfos"].([]any); !ok || len(w) != 0 {
				t.Errorf("WarnCardInfos = %v, want []", m["WarnCardInfos"])
			}
			if m["RequestId"] != "rid" {
				t.Errorf("RequestId = %v", m["RequestId"])
			}
			for k, v := range m {
				if k != "WarnCardInfos" {
					if _, ok := v.(string); !ok {
						t.Errorf("%s = %v, want a string", k, v)
					}
				}
			}
			wantKeys := len(CardFieldNames(typ)) + 2
			if typ == "HKIDCard" {
				wantKeys-- // HKIDVersion has no raw OCR name
			}
			if len(m) != wantKeys {
				t.Errorf("%d keys, want %d: %s", len(m), wantKeys, s)
			}
			// Overrides show up in the original info.
			if err := ApplyCardOverrides(card, typ, map[string]string{"FullName": "OVERRIDDEN <&>"}); err == nil {
				if s := OriginalCardInfoJSON(card, typ, []int{-9102}, "r"); !strings.Contains(s, `"OVERRIDDEN <&>"`) || !strings.Contains(s, `[-9102]`) {
					t.Errorf("override missing: %s", s)
				}
			}
		})
	}

	if got := OriginalCardInfoJSON(&NormalCardInfo{}, "MLIDCard", nil, "r"); got !=
		`{"Name":"","ID":"","Sex":"","Address":"","Type":"","Birthday":"","WarnCardInfos":[],"RequestId":"r"}` {
		t.Errorf("nil card object: %s", got)
	}
	if got := OriginalCardInfoJSON(nil, "Nope", []int{-9101}, "r"); got != `{"WarnCardInfos":[-9101],"RequestId":"r"}` {
		t.Errorf("unknown type: %s", got)
	}
	id, _ := SampleCard("IndonesiaIDCard")
	if s := OriginalCardInfoJSON(id, "IndonesiaIDCard", nil, "r"); !strings.HasPrefix(s, `{"NIK":"3171010101900001","Nama":"BUDI SANTOSO",`) {
		t.Errorf("IndonesiaIDCard: %s", s)
	}
}

// TestCatalogCardFieldsMatchTheSpec keeps catalog's document table (used by
// the scenario validator) equal to the models generated from the spec.
func TestCatalogCardFieldsMatchTheSpec(t *testing.T) {
	for _, typ := range IDCardTypes() {
		got, want := catalog.CardFields(typ), CardFieldNames(typ)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: catalog has %v, the spec model has %v", typ, got, want)
		}
	}
}
