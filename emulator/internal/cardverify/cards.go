package cardverify

import (
	"regexp"
	"strings"
	"sync"

	"github.com/faceid-emulator/faceid-emulator/spec"
)

// iso3 maps the countries of ApplyCardVerificationExternal's table to the
// ISO 3166 alpha-3 codes its example sends ("ARG").
var iso3 = map[string]string{
	"argentina": "ARG", "australia": "AUS", "bangladesh": "BGD", "cambodia": "KHM", "canada": "CAN",
	"chile": "CHL", "germany": "DEU", "hong kong, china": "HKG", "indonesia": "IDN", "japan": "JPN",
	"macau, china": "MAC", "malaysia": "MYS", "mexico": "MEX", "myanmar": "MMR", "new zealand": "NZL",
	"nigeria": "NGA", "pakistan": "PAK", "philippines": "PHL", "russia": "RUS", "singapore": "SGP",
	"taiwan, china": "TWN", "thailand": "THA",
}

// cardTypes maps the table's document names to the CardType values.
var cardTypes = map[string]string{
	"national id card": "ID_CARD", "identity card": "ID_CARD", "passport": "PASSPORT",
	"driver's license": "DRIVING_LICENSE", "residence permit": "RESIDENCE_PERMIT",
}

var tableRow = regexp.MustCompile(`<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td>(Yes|No)</td>`)

// backTable is read once from the action's documentation in the spec (its
// table of countries, documents and "whether the back side is required"):
// key ISO3 + "/" + CardType.
var backTable = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	a, ok := spec.Ocr().Actions[applyAction]
	if !ok {
		return out
	}
	for _, m := range tableRow.FindAllStringSubmatch(a.Document, -1) {
		code, ok1 := iso3[strings.ToLower(strings.TrimSpace(m[1]))]
		ct, ok2 := cardTypes[strings.ToLower(strings.TrimSpace(m[2]))]
		if ok1 && ok2 {
			out[code+"/"+ct] = m[3] == "Yes"
		}
	}
	return out
})

// nationalityCode turns a country name of the table or a code into the
// ISO3 code ("" when unknown).
func nationalityCode(n string) string {
	n = strings.TrimSpace(n)
	if c, ok := iso3[strings.ToLower(n)]; ok {
		return c
	}
	up := strings.ToUpper(n)
	for _, c := range iso3 {
		if c == up {
			return c
		}
	}
	return ""
}

// backRequired: the documented table says the document has a back side
// to read; for a pair the table lacks, a back image given says so.
func backRequired(nationality, cardType string, backGiven bool) bool {
	if req, ok := backTable()[nationalityCode(nationality)+"/"+cardType]; ok {
		return req
	}
	return backGiven
}

// cardInfo is a GeneralCard for the sample person on a document of
// cardType issued by nationality; fields override its members.
func cardInfo(nationality, cardType string, back bool, fields map[string]string) map[string]any {
	code := nationalityCode(nationality)
	if code == "" {
		code = strings.ToUpper(nationality)
	}
	c := map[string]any{}
	for _, k := range []string{"LicenseNumber", "PersonalNumber", "FullName", "FullNameLocal", "FirstName",
		"FirstNameLocal", "MiddleName", "MiddleNameLocal", "LastName", "LastNameLocal", "Sex", "Birthday",
		"BirthPlace", "IssuedDate", "IssuedAuthority", "IssuedPlace", "IssuedCountry", "IssuedCountryCode",
		"ExpirationDate", "MRZLine1", "MRZLine2", "Nationality", "Religion", "Type", "BloodType", "Height",
		"Weight", "VehicleClass", "Restrictions", "Endorsement", "Others", "PassportCodeFirst",
		"PassportCodeSecond", "DueDate", "Age", "RegistrationNumber"} {
		c[k] = ""
	}
	address := map[string]any{"City": "", "Country": "", "FormattedAddress": "", "LineOne": "", "LineTwo": "",
		"LineThree": "", "LineFour": "", "LineFive": "", "PostalCode": "", "Subdivision": ""}
	c["Address"] = address
	if back {
		// The back side carries the address and the issuing details.
		address["LineOne"], address["City"], address["Country"] = "1 SAMPLE STREET", "SAMPLE CITY", code
		address["FormattedAddress"] = "1 SAMPLE STREET, SAMPLE CITY, " + code
		c["IssuedAuthority"], c["IssuedDate"] = "SAMPLE AUTHORITY", "2021/05/10"
	} else {
		c["FullName"], c["FullNameLocal"] = "SAMPLE ANA MARIA", "SAMPLE ANA MARIA"
		c["FirstName"], c["FirstNameLocal"], c["LastName"], c["LastNameLocal"] = "ANA MARIA", "ANA MARIA", "SAMPLE", "SAMPLE"
		c["Sex"], c["Birthday"], c["BirthPlace"] = "F", "1990/01/15", "SAMPLE CITY"
		c["IssuedCountry"], c["IssuedCountryCode"], c["Nationality"] = code, code, code
		c["IssuedDate"], c["ExpirationDate"], c["Age"] = "2021/05/10", "2031/05/09", "36"
		switch cardType {
		case "PASSPORT":
			c["LicenseNumber"], c["Type"] = "P1234567A", "P"
			c["PassportCodeFirst"], c["PassportCodeSecond"] = "P<"+code+"SAMPLE<<ANA<MARIA", "P1234567A"+code+"9001155F3105099"
			c["MRZLine1"] = padMRZ("P<" + code + "SAMPLE<<ANA<MARIA")
			c["MRZLine2"] = padMRZ("P1234567A0" + code + "9001155F3105099")
		case "DRIVING_LICENSE":
			c["LicenseNumber"], c["Type"], c["VehicleClass"], c["Restrictions"] = "D1234567", "DRIVING LICENSE", "B", "NONE"
		case "RESIDENCE_PERMIT":
			c["LicenseNumber"], c["Type"] = "R1234567", "RESIDENCE PERMIT"
		default:
			c["PersonalNumber"], c["Type"] = "1234567890123", "ID CARD"
		}
	}
	for k, v := range fields {
		if _, ok := c[k]; ok && k != "Address" {
			c[k] = v
		}
	}
	return c
}

// padMRZ pads a passport MRZ line to its 44 characters.
func padMRZ(s string) string {
	if len(s) >= 44 {
		return s[:44]
	}
	return s + strings.Repeat("<", 44-len(s))
}
