// Package model holds the wire models of the two faceid 2018-03-01 web
// actions, ApplyWebVerificationBizTokenIntl and GetWebVerificationResultIntl,
// and sample OCR card data for the emulated document scan.
//
// models_gen.go is generated from Tencent's published spec
// (spec/faceid-2018-03-01.api.json) by emulator/internal/specgen: one struct per spec
// object reachable from the two actions' requests and responses, with the
// spec's object, member and JSON key names unchanged.
//
// Request-side structs (the *Request objects and WebVerificationConfigIntl)
// use pointer fields with omitempty, so an absent parameter (nil) can be told
// apart from a zero value. Response-side structs use pointers without
// omitempty for every member the spec marks nullable, so a nil field is sent
// as an explicit JSON null, as the real service does ("Extra": null); members
// that are not nullable are plain values, lists are slices (nil encodes as
// null) and nested objects are pointers.
//
// cards.go (hand-written) provides realistic but obviously fake sample card
// data for each Config.IDCardType value, field overrides by spec field name,
// and the CheckMode 4 OCRResult.OriginalCardInfo JSON string.
package model

//go:generate go run ../../specgen -spec ../../../../spec/faceid-2018-03-01.api.json -out models_gen.go -package model
