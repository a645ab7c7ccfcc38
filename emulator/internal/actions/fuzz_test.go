package actions

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api/params"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/model"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

// fuzzActions are the actions FuzzValidate drives: media, nested objects,
// lists, enums and ranges between them.
var fuzzActions = []string{
	"CompareFaceLiveness", "DetectAIFakeFaces", "CheckIdCardInformation",
	"LivenessCompare", "BankCard4EVerification", "PhoneVerification",
	"ApplySdkVerificationToken", "GetFaceIdTokenIntl",
}

// FuzzValidate: any JSON body (TC3) or form query (v1, when form is true)
// given to any of fuzzActions is decoded into the action's model and
// validated without a panic; a refusal is one of the documented validation
// codes (or the rule's media code), and a request that passes gets a
// default answer that fits the response model.
func FuzzValidate(f *testing.F) {
	jpeg := "/9j/4AAQSkZJRgABAQ=="
	for i, body := range []string{
		`{}`,
		`{"ImageBase64":"` + jpeg + `","VideoBase64":"AAAAGGZ0eXBtcDQy","LivenessType":"SILENT"}`,
		`{"ImageBase64":"eA==","VideoBase64":"eA==","LivenessType":"ACTION","ValidateData":"1,2"}`,
		`{"FaceInput":"` + jpeg + `","FaceInputType":1}`,
		`{"FaceInputType":3,"Encryption":{"CiphertextBlob":"x","EncryptList":["a"],"Iv":"y"}}`,
		`{"ImageUrl":"https://x/y.jpg","Config":"{\"CopyWarn\":true}","IsEncrypt":false}`,
		`{"Name":"n","BankCard":"6","Phone":"1","IdCard":"2","CertType":99}`,
		`{"IdCard":1,"Name":null,"Phone":[]}`,
		`{"Config":{"IDCardType":"HK"},"NeedVerifyIdCard":true,"CheckMode":3}`,
		`{"CheckMode":2,"SecureLevel":"4","Image":"` + jpeg + `","Extra":"x"}`,
		`[1,2]`, `{"A":`, `null`,
	} {
		f.Add(uint8(i), false, []byte(body))
	}
	for i, form := range []string{
		"ImageBase64=%2F9j%2F4AAQSkZJRgABAQ%3D%3D&VideoBase64=AAAAGGZ0eXBtcDQy&LivenessType=SILENT",
		"FaceInput=eA%3D%3D&FaceInputType=2",
		"Encryption.EncryptList.0=a&Encryption.CiphertextBlob=b&Encryption.Iv=c&ImageUrl=http%3A%2F%2Fx",
		"Name=n&BankCard=6&Phone=1&IdCard=2&CertType=abc",
		"IdCard=1&Name=2&Phone=3&EncryptList.1=x",
		"Config.IDCardType=HK&CheckMode=9",
	} {
		f.Add(uint8(i), true, []byte(form))
	}
	svc := spec.Faceid()
	allowed := map[string]bool{
		catalog.MissingParameter: true, catalog.InvalidParameter: true,
		catalog.InvalidParameterValue: true, catalog.UnknownParameter: true,
	}
	for _, name := range fuzzActions {
		for _, m := range svc.Actions[name].Input.Members {
			if m.Rule != nil && m.Rule.MediaError != "" {
				allowed[m.Rule.MediaError] = true
			}
		}
	}
	templates := map[string]*template{}
	for _, name := range fuzzActions {
		tm, err := buildTemplate(svc.Actions[name], newResponseOf(name), testMedia())
		if err != nil {
			f.Fatal(err)
		}
		templates[name] = tm
	}
	f.Fuzz(func(t *testing.T, which uint8, form bool, body []byte) {
		name := fuzzActions[int(which)%len(fuzzActions)]
		action := svc.Actions[name]
		req, _ := model.NewRequest(name)
		var perr *params.Error
		if form {
			values, err := url.ParseQuery(string(body))
			if err != nil {
				return // the gateway refuses a malformed form before decoding
			}
			perr = params.DecodeValues(values, req, nil)
		} else {
			perr = params.DecodeJSON(body, req)
		}
		if perr != nil {
			return // the gateway answers InvalidParameter or UnknownParameter; the params fuzz targets cover it
		}
		if err := Validate(action.Input, req); err != nil {
			if !allowed[err.Code] {
				t.Fatalf("%s: refused with %s, not a validation code", name, err.Code)
			}
			if err.MessageIn(catalog.English) == "" {
				t.Fatalf("%s: %s with no message", name, err.Code)
			}
			return
		}
		resp, err := templates[name].render(newResponseOf(name), answerInput{requestID: "r", request: req, newID: func() string { return "ID" }})
		if err != nil {
			t.Fatalf("%s: valid request, answer fails: %v", name, err)
		}
		if _, err := json.Marshal(resp); err != nil {
			t.Fatalf("%s: answer does not encode: %v", name, err)
		}
	})
}
