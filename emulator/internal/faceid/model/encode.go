package model

import "github.com/faceid-emulator/faceid-emulator/emulator/internal/jsonw"

// The two answers every test run sends most, Apply's and a pending Get's,
// write their own JSON: the bytes encoding/json gives for them (checked by
// the tests against json.Marshal), without its reflection on the request
// path. The gateway uses AppendJSON when a model has it and ok is true.

// AppendJSON appends r's JSON encoding.
func (r *ApplyWebVerificationBizTokenIntlResponse) AppendJSON(b []byte) ([]byte, bool) {
	b = append(b, `{"VerificationUrl":`...)
	b = jsonw.String(b, r.VerificationUrl)
	b = append(b, `,"BizToken":`...)
	b = jsonw.String(b, r.BizToken)
	b = append(b, `,"VerificationURL":`...)
	b = jsonw.String(b, r.VerificationURL)
	b = append(b, `,"RequestId":`...)
	b = jsonw.String(b, r.RequestId)
	return append(b, '}'), true
}

// AppendJSON appends r's JSON encoding when it has no verification details
// and no OCR results (a pending session's answer); ok is false otherwise,
// and encoding/json writes it.
func (r *GetWebVerificationResultIntlResponse) AppendJSON(b []byte) ([]byte, bool) {
	if r.VerificationDetailList != nil || r.OCRResult != nil {
		return b, false
	}
	b = append(b, `{"ErrorCode":`...)
	b = jsonw.Int64Ptr(b, r.ErrorCode)
	b = append(b, `,"ErrorMsg":`...)
	b = jsonw.StringPtr(b, r.ErrorMsg)
	b = append(b, `,"VerificationDetailList":null,"VideoBase64":`...)
	b = jsonw.StringPtr(b, r.VideoBase64)
	b = append(b, `,"BestFrameBase64":`...)
	b = jsonw.StringPtr(b, r.BestFrameBase64)
	b = append(b, `,"OCRResult":null,"Extra":`...)
	b = jsonw.StringPtr(b, r.Extra)
	b = append(b, `,"RequestId":`...)
	b = jsonw.String(b, r.RequestId)
	return append(b, '}'), true
}
