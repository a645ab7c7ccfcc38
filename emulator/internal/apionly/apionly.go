// Package apionly gives the API-only actions what their spec entry alone
// cannot: every other part of them (decoding, validation, scenarios, the
// passing default answer) is the actions layer's. VideoLivenessCompare's
// BestFrame is a FileInfo whose Url in Tencent's example points at
// Tencent's storage; here it links a real JPEG on the emulator's own file
// area, with that file's MD5 and size, so a merchant's download code runs.
package apionly

import (
	"context"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/actions"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/files"
)

// bestFrame is the built-in file VideoLivenessCompare's BestFrame links.
const bestFrame = "bestframe.jpg"

// Register gives l the handlers of the API-only actions that need more
// than their spec: VideoLivenessCompare.
func Register(l *actions.Layer, area *files.Area) {
	l.Handle("VideoLivenessCompare", func(_ context.Context, c *actions.Call) api.Reply {
		var values map[string]any
		if url, f, ok := area.URL(c.PublicBase(), bestFrame); ok {
			values = map[string]any{"BestFrame": map[string]any{"Url": url, "MD5": f.MD5(), "Size": len(f.Data)}}
		}
		return c.Respond(values)
	})
}
