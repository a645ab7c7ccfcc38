package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/faceid-emulator/faceid-emulator/catalog"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// IDCardTypes returns the 12 Config.IDCardType values (catalog's list);
// each is also the NormalCardInfo key of that document's OCR result.
func IDCardTypes() []string { return catalog.IDCardTypes() }

// IsIDCardType reports whether s is one of IDCardTypes (case-sensitive).
func IsIDCardType(s string) bool { return catalog.IsIDCardType(s) }

func str(s string) *string { return &s }

// SampleCard returns a NormalCardInfo whose only non-nil key is the card
// object for idCardType (a Config.IDCardType value), filled with realistic but
// obviously fake sample data: canonical placeholder names (CHAN, Tai Man;
// JUAN DELA CRUZ; 张三; ...), document numbers in the real formats with valid
// check digits where the format has one (HKID, NRIC, Thai ID, PRC ID, MRZ),
// and dates in the style printed on the document. Every call returns new
// values, so callers may modify the result.
//
// All fields are set except SingaporeIDCard.DateOfExpiration (NRICs do not
// expire), which stays nil and is sent as null.
func SampleCard(idCardType string) (*NormalCardInfo, error) {
	var c NormalCardInfo
	switch idCardType {
	case "HKIDCard":
		c.HKIDCard = &NormalHKIDCard{
			ChineseName:        str("陳大文"),
			FullName:           str("CHAN, Tai Man"),
			RegistrationNumber: str("7115 1129 2429"), // Chinese commercial codes of 陳大文
			Sex:                str("男M"),
			Birthday:           str("01-01-1990"),
			Permanent:          str("1"),
			LicenseNumber:      str("A123456(3)"),
			Symbol:             str("***AZ"),
			IssuedDate:         str("01-08"),
			CurrentIssueDate:   str("20-06-18"),
			HKIDVersion:        str("HKID-2018"),
		}
	case "MLIDCard":
		c.MLIDCard = &NormalMLIDCard{
			FullName:         str("ALI BIN ABU"),
			LicenseNumber:    str("900101-14-5671"),
			Sex:              str("LELAKI"),
			FormattedAddress: str("NO 1 JALAN CONTOH 1/1 TAMAN CONTOH 50000 KUALA LUMPUR W.P KUALA LUMPUR"),
			Type:             str("MyKad"),
			Birthday:         str("1990-01-01"),
		}
	case "IndonesiaIDCard":
		c.IndonesiaIDCard = &NormalIndonesiaIDCard{
			LicenseNumber:    str("3171010101900001"),
			FullName:         str("BUDI SANTOSO"),
			Birthday:         str("JAKARTA, 01-01-1990"),
			Sex:              str("LAKI-LAKI"),
			BloodType:        str("O"),
			FormattedAddress: str("JL. CONTOH NO. 1"),
			Street:           str("001/002"),
			Village:          str("GAMBIR"),
			Area:             str("GAMBIR"),
			Religion:         str("ISLAM"),
			MaritalStatus:    str("BELUM KAWIN"),
			Occupation:       str("KARYAWAN SWASTA"),
			Nationality:      str("WNI"),
			DueDate:          str("SEUMUR HIDUP"),
			IssuedDate:       str("01-01-2015"),
			Province:         str("PROVINSI DKI JAKARTA"),
			City:             str("JAKARTA PUSAT"),
		}
	case "PhilippinesVoteID":
		c.PhilippinesVoteID = &PhilippinesVoteID{
			VIN:         str("1234-5678A-B1234JDC10000-0"),
			FirstName:   str("JUAN"),
			LastName:    str("DELA CRUZ"),
			Birthday:    str("1990-01-01"),
			CivilStatus: str("SINGLE"),
			Citizenship: str("FILIPINO"),
			Address:     str("123 RIZAL ST., BRGY. SAN ANTONIO, PASIG CITY, METRO MANILA"),
			PrecinctNo:  str("0123A"),
		}
	case "PhilippinesDrivingLicense":
		c.PhilippinesDrivingLicense = &PhilippinesDrivingLicense{
			Name:        str("DELA CRUZ, JUAN SANTOS"),
			LastName:    str("DELA CRUZ"),
			FirstName:   str("JUAN"),
			MiddleName:  str("SANTOS"),
			Nationality: str("PHL"),
			Sex:         str("M"),
			Address:     str("123 RIZAL ST., BRGY. SAN ANTONIO, PASIG CITY, METRO MANILA"),
			LicenseNo:   str("N01-23-456789"),
			ExpiresDate: str("2030/01/01"),
			AgencyCode:  str("N01"),
			Birthday:    str("1990/01/01"),
		}
	case "PhilippinesTinID":
		c.PhilippinesTinID = &PhilippinesTinID{
			LicenseNumber: str("123-456-789-000"),
			FullName:      str("DELA CRUZ, JUAN SANTOS"),
			Address:       str("123 RIZAL ST., BRGY. SAN ANTONIO, PASIG CITY, METRO MANILA"),
			Birthday:      str("1990-01-01"),
			IssueDate:     str("2015-01-15"),
		}
	case "PhilippinesSSSID":
		c.PhilippinesSSSID = &PhilippinesSSSID{
			LicenseNumber: str("34-1234567-8"),
			FullName:      str("JUAN S. DELA CRUZ"),
			Birthday:      str("1990-01-01"),
		}
	case "PhilippinesUMID":
		c.PhilippinesUMID = &PhilippinesUMID{
			Surname:    str("DELA CRUZ"),
			MiddleName: str("SANTOS"),
			GivenName:  str("JUAN"),
			Sex:        str("M"),
			Birthday:   str("1990/01/01"),
			Address:    str("123 RIZAL ST., BRGY. SAN ANTONIO, PASIG CITY, METRO MANILA"),
			CRN:        str("0111-1234567-8"),
		}
	case "InternationalIDPassport":
		// ICAO 9303 specimen country UTO ("Utopia"); MRZ check digits are valid.
		c.InternationalIDPassport = &InternationalIDPassport{
			LicenseNumber:      str("E12345678"),
			FullName:           str("CHAN TAI MAN"),
			Surname:            str("CHAN"),
			GivenName:          str("TAI MAN"),
			Birthday:           str("1990-01-01"),
			Sex:                str("M"),
			DateOfExpiration:   str("2032-01-01"),
			IssuingCountry:     str("UTO"),
			NationalityCode:    str("UTO"),
			PassportCodeFirst:  str("P<UTOCHAN<<TAI<MAN<<<<<<<<<<<<<<<<<<<<<<<<<<"),
			PassportCodeSecond: str("E123456782UTO9001011M3201015<<<<<<<<<<<<<<02"),
		}
	case "ThailandIDCard":
		c.ThailandIDCard = &NormalThailandIDCard{
			LicenseNumber:      str("1101700203450"),
			FullName:           str("นาย สมชาย ใจดี"),
			LastName:           str("Jaidee"),
			FirstName:          str("Mr. Somchai"),
			Birthday:           str("1 Jan. 1990"),
			FormattedAddress:   str("123 หมู่ที่ 4 ต.บางกระสอ อ.เมืองนนทบุรี จ.นนทบุรี"),
			ExpirationDate:     str("31 Dec. 2030"),
			IssuedDate:         str("1 Jan. 2022"),
			RegistrationNumber: str("1234-56-78901234"),
			Religion:           str("พุทธ"),
			ThaiBirthday:       str("1ม.ค.2533"),
			ThaiExpirationDate: str("31ธ.ค.2573"),
			ThaiIssueDate:      str("1ม.ค.2565"),
		}
	case "SingaporeIDCard":
		c.SingaporeIDCard = &SingaporeIDCard{
			ChName:         str("陈亚狗"),
			ChineseName:    str("陈亚狗"),
			EnName:         str("TAN AH KOW"),
			FullName:       str("TAN AH KOW"),
			ID:             str("S1234567D"),
			LicenseNumber:  str("S1234567D"),
			Sex:            str("M"),
			CountryOfBirth: str("SINGAPORE"),
			Nationality:    str("SINGAPORE"),
			Birthday:       str("01-01-1990"),
			Address:        str("BLK 123 SAMPLE AVENUE 1 #01-23 SINGAPORE 560123"),
			Race:           str("CHINESE"),
			NRICCode:       str("S1234567D"),
			PostCode:       str("560123"),
			DateOfIssue:    str("01-01-2006"),
		}
	case "MainlandIDCard":
		c.MainlandIDCard = &MainlandIDCard{
			FullName:         str("张三"),
			Sex:              str("男"),
			Nation:           str("汉"),
			Birthday:         str("1990/1/1"),
			Address:          str("北京市东城区示例大街1号"),
			LicenseNumber:    str("110101199001010015"),
			FormattedAddress: str("北京市东城区示例大街1号"),
			Authority:        str("北京市公安局东城分局"),
			ValidDate:        str("2015.01.01-2035.01.01"),
		}
	default:
		return nil, unknownType(idCardType)
	}
	return &c, nil
}

func unknownType(idCardType string) error {
	return fmt.Errorf("model: unknown IDCardType %q (want one of %s)", idCardType, strings.Join(IDCardTypes(), ", "))
}

// cardValue returns the NormalCardInfo field for idCardType (a pointer to a
// card struct). The NormalCardInfo keys of the 12 IDCardType values are the
// IDCardType names themselves.
func cardValue(card *NormalCardInfo, idCardType string) (reflect.Value, error) {
	if !IsIDCardType(idCardType) {
		return reflect.Value{}, unknownType(idCardType)
	}
	f := reflect.ValueOf(card).Elem().FieldByName(idCardType)
	if !f.IsValid() || f.Kind() != reflect.Pointer || f.Type().Elem().Kind() != reflect.Struct {
		// Unreachable while the spec keeps the keys; guards a regenerated model.
		return reflect.Value{}, fmt.Errorf("model: NormalCardInfo has no card object %s", idCardType)
	}
	return f, nil
}

// cardFields lists the JSON names and field indexes of a card struct type in
// spec order.
func cardFields(t reflect.Type) (names []string, index map[string]int) {
	index = make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		names = append(names, name)
		index[name] = i
	}
	return names, index
}

// CardFieldNames returns the spec field names of the card object for
// idCardType in spec order (the keys ApplyCardOverrides accepts), or nil for
// an unknown type.
func CardFieldNames(idCardType string) []string {
	v, err := cardValue(&NormalCardInfo{}, idCardType)
	if err != nil {
		return nil
	}
	names, _ := cardFields(v.Type().Elem())
	return names
}

// ApplyCardOverrides sets string fields of the card object for idCardType in
// card, by spec field name (e.g. {"FullName": "LEE, Siu Ming"} for HKIDCard).
// A nil card object is allocated first. Names are case-sensitive; if any name
// is not a string field of that card type, nothing is changed and the error
// names every unknown field.
func ApplyCardOverrides(card *NormalCardInfo, idCardType string, fields map[string]string) error {
	if card == nil {
		return fmt.Errorf("model: ApplyCardOverrides on a nil NormalCardInfo")
	}
	v, err := cardValue(card, idCardType)
	if err != nil {
		return err
	}
	t := v.Type().Elem()
	names, index := cardFields(t)
	var unknown []string
	for name := range fields {
		i, ok := index[name]
		if !ok || !isStringField(t.Field(i).Type) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("model: unknown %s field(s) %s (known: %s)",
			idCardType, strings.Join(unknown, ", "), strings.Join(names, ", "))
	}
	if len(fields) == 0 {
		return nil
	}
	if v.IsNil() {
		v.Set(reflect.New(t))
	}
	obj := v.Elem()
	for name, val := range fields {
		f := obj.Field(index[name])
		if f.Kind() == reflect.Pointer {
			f.Set(reflect.ValueOf(&val))
		} else {
			f.SetString(val)
		}
	}
	return nil
}

func isStringField(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.String
}

// originalNames maps the card types whose raw OCR output uses other field
// names than NormalCardInfo to those names, as (original, normal) pairs in
// the order of the deprecated CardInfo objects HKIDCard, MLIDCard and
// IndonesiaIDCard, which carry the raw OCR names. The spec's own
// OriginalCardInfo example ({"CnName":"李**","EnName":"LEE**",...}) uses the
// HKIDCard names.
func originalNames(idCardType string) [][2]string {
	switch idCardType {
	case "HKIDCard":
		return [][2]string{
			{"CnName", "ChineseName"}, {"EnName", "FullName"}, {"TelexCode", "RegistrationNumber"},
			{"Sex", "Sex"}, {"Birthday", "Birthday"}, {"Permanent", "Permanent"}, {"IdNum", "LicenseNumber"},
			{"Symbol", "Symbol"}, {"FirstIssueDate", "IssuedDate"}, {"CurrentIssueDate", "CurrentIssueDate"},
		}
	case "MLIDCard":
		return [][2]string{
			{"Name", "FullName"}, {"ID", "LicenseNumber"}, {"Sex", "Sex"},
			{"Address", "FormattedAddress"}, {"Type", "Type"}, {"Birthday", "Birthday"},
		}
	case "IndonesiaIDCard":
		return [][2]string{
			{"NIK", "LicenseNumber"}, {"Nama", "FullName"}, {"TempatTglLahir", "Birthday"},
			{"JenisKelamin", "Sex"}, {"GolDarah", "BloodType"}, {"Alamat", "FormattedAddress"},
			{"RTRW", "Street"}, {"KelDesa", "Village"}, {"Kecamatan", "Area"}, {"Agama", "Religion"},
			{"StatusPerkawinan", "MaritalStatus"}, {"Perkerjaan", "Occupation"},
			{"KewargaNegaraan", "Nationality"}, {"BerlakuHingga", "DueDate"}, {"IssuedDate", "IssuedDate"},
			{"Provinsi", "Province"}, {"Kota", "City"},
		}
	}
	return nil
}

// OriginalCardInfoJSON returns the JSON string sent as
// OCRResult.OriginalCardInfo when Config.CheckMode is 4: one flat object with
// the card's fields, then "WarnCardInfos" (warn, [] when empty) and
// "RequestId", e.g.
//
//	{"CnName":"陳大文","EnName":"CHAN, Tai Man",...,"WarnCardInfos":[-9101,-9104],"RequestId":"..."}
//
// Field names: HKIDCard, MLIDCard and IndonesiaIDCard use the raw OCR names of
// the deprecated CardInfo objects (CnName/EnName/IdNum..., Name/ID/Address...,
// NIK/Nama/...), as in the spec example; HKIDCard.HKIDVersion has no such
// name and is left out. The other types use their NormalCardInfo field names.
// Fields are in spec order; nil fields (and every field when the card object
// is nil) are "". An unknown idCardType yields only WarnCardInfos and
// RequestId. Strings are not HTML-escaped.
func OriginalCardInfoJSON(card *NormalCardInfo, idCardType string, warn []int, requestID string) string {
	var b bytes.Buffer
	b.WriteByte('{')
	if card == nil {
		card = &NormalCardInfo{}
	}
	if v, err := cardValue(card, idCardType); err == nil {
		t := v.Type().Elem()
		names, index := cardFields(t)
		pairs := originalNames(idCardType)
		if pairs == nil {
			for _, n := range names {
				pairs = append(pairs, [2]string{n, n})
			}
		}
		for _, p := range pairs {
			val := ""
			if !v.IsNil() {
				f := v.Elem().Field(index[p[1]])
				if f.Kind() == reflect.Pointer {
					if !f.IsNil() {
						val = f.Elem().String()
					}
				} else {
					val = f.String()
				}
			}
			writeJSONString(&b, p[0])
			b.WriteByte(':')
			writeJSONString(&b, val)
			b.WriteByte(',')
		}
	}
	b.WriteString(`"WarnCardInfos":[`)
	for i, w := range warn {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(w))
	}
	b.WriteString(`],"RequestId":`)
	writeJSONString(&b, requestID)
	b.WriteByte('}')
	return b.String()
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // a string always encodes
	b.Truncate(b.Len() - 1) // Encode appends '\n'
}
