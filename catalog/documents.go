package catalog

import (
	"slices"
	"strings"
)

// IDCardTypes returns the 12 values of Config.IDCardType the web flow
// supports, in the API documentation's order. Each is also the
// NormalCardInfo key holding that document's OCR result. The slice is a
// fresh copy.
func IDCardTypes() []string {
	return []string{
		"HKIDCard", "MLIDCard", "IndonesiaIDCard", "PhilippinesVoteID",
		"PhilippinesDrivingLicense", "PhilippinesTinID", "PhilippinesSSSID",
		"PhilippinesUMID", "InternationalIDPassport", "ThailandIDCard",
		"SingaporeIDCard", "MainlandIDCard",
	}
}

// IsIDCardType reports whether s is one of IDCardTypes (case-sensitive).
func IsIDCardType(s string) bool { return slices.Contains(IDCardTypes(), s) }

// CardFields returns the field names, in spec order, of the NormalCardInfo
// object for an IDCardType, or nil for an unknown type. The generated models
// are checked against this table, so it cannot drift from the spec.
func CardFields(idCardType string) []string {
	var f string
	switch idCardType {
	case "HKIDCard": // NormalHKIDCard
		f = "ChineseName FullName RegistrationNumber Sex Birthday Permanent LicenseNumber Symbol IssuedDate CurrentIssueDate HKIDVersion"
	case "MLIDCard": // NormalMLIDCard
		f = "FullName LicenseNumber Sex FormattedAddress Type Birthday"
	case "IndonesiaIDCard": // NormalIndonesiaIDCard
		f = "LicenseNumber FullName Birthday Sex BloodType FormattedAddress Street Village Area Religion MaritalStatus Occupation Nationality DueDate IssuedDate Province City"
	case "ThailandIDCard": // NormalThailandIDCard
		f = "LicenseNumber FullName LastName FirstName Birthday FormattedAddress ExpirationDate IssuedDate RegistrationNumber Religion ThaiBirthday ThaiExpirationDate ThaiIssueDate"
	case "InternationalIDPassport":
		f = "LicenseNumber FullName Surname GivenName Birthday Sex DateOfExpiration IssuingCountry NationalityCode PassportCodeFirst PassportCodeSecond"
	case "PhilippinesVoteID":
		f = "VIN FirstName LastName Birthday CivilStatus Citizenship Address PrecinctNo"
	case "PhilippinesDrivingLicense":
		f = "Name LastName FirstName MiddleName Nationality Sex Address LicenseNo ExpiresDate AgencyCode Birthday"
	case "PhilippinesTinID":
		f = "LicenseNumber FullName Address Birthday IssueDate"
	case "PhilippinesSSSID":
		f = "LicenseNumber FullName Birthday"
	case "PhilippinesUMID":
		f = "Surname MiddleName GivenName Sex Birthday Address CRN"
	case "SingaporeIDCard":
		f = "ChName ChineseName EnName FullName ID LicenseNumber Sex CountryOfBirth Nationality Birthday Address Race NRICCode PostCode DateOfExpiration DateOfIssue"
	case "MainlandIDCard":
		f = "FullName Sex Nation Birthday Address LicenseNumber FormattedAddress Authority ValidDate"
	default:
		return nil
	}
	return strings.Fields(f)
}

// WarnCardInfoCodes returns the OCR alarm codes of OCRResult.WarnCardInfos.
func WarnCardInfoCodes() []int {
	return []int{-9101, -9102, -9103, -9104, -9107, -9108, -9109}
}
