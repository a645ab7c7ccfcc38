// Package api is the Tencent Cloud API 3.0 gateway: it limits and reads the
// request, picks the decoder by media type, has the signature verified,
// routes the call to the service that has its action and version and
// writes the standard envelope (HTTP 200, Content-Type application/json,
// Response + RequestId).
//
// The gateway knows no product: services (faceid, ocr) register by name,
// version and a resolver of their actions, so adding an action or a
// service never touches this package.
package api
