// Package model holds the wire models of every ocr 2018-11-19 action
// (Tencent's intl document OCR), generated from Tencent's published spec
// (spec/ocr-2018-11-19.api.json) by emulator/internal/specgen: one struct
// per spec object reachable from the actions' requests and responses, with
// the spec's object, member and JSON key names unchanged, and
// NewRequest/NewResponse, which make an action's models by name.
//
// Request-side structs use pointer fields with omitempty, so an absent
// parameter (nil) can be told apart from a zero value; response-side
// structs send a nullable member that is nil as an explicit JSON null.
package model

//go:generate go run ../../specgen -spec ../../../../spec/ocr-2018-11-19.api.json -out models_gen.go -package model
