package scenarios

import (
	"slices"
	"strings"
)

// IDCardTypes returns the 12 values of Config.IDCardType, in the order of
// the API documentation.
func IDCardTypes() []string {
	return []string{
		"HKIDCard", "MLIDCard", "IndonesiaIDCard", "PhilippinesVoteID",
		"PhilippinesDrivingLicense", "PhilippinesTinID", "PhilippinesSSSID",
		"PhilippinesUMID", "InternationalIDPassport", "ThailandIDCard",
		"SingaporeIDCard", "MainlandIDCard",
	}
}

// CardFields returns the field names of the NormalCardInfo model used for an
// IDCardType (faceid-api.md Appendix A.1), or nil for an unknown type.
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

// allCardFields is the sorted union of the fields of the 12 card types.
func allCardFields() []string {
	var all []string
	for _, t := range IDCardTypes() {
		all = append(all, CardFields(t)...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}

// WarnCardInfoCodes returns the OCR alarm codes of WarnCardInfos.
func WarnCardInfoCodes() []int {
	return []int{-9101, -9102, -9103, -9104, -9107, -9108, -9109}
}
