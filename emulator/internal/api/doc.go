// Package api is the Tencent Cloud API 3.0 gateway: it limits and reads the
// request, picks the decoder by media type, has the signature verified,
// routes the action to its registered handler and writes the standard
// envelope (HTTP 200, Content-Type application/json, Response + RequestId).
//
// The gateway knows nothing about faceid: products register their actions
// with it, so adding an action never touches this package.
package api
