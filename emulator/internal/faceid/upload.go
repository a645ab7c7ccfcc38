package faceid

import (
	"context"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/actions"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/model"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/files"
)

// RegisterUpload serves CreateUploadUrl: an upload link on the emulator's
// own file area, which takes an HTTP PUT until ExpiredTimestamp and whose
// ResourceUrl the actions' URL parameters accept.
func RegisterUpload(l *actions.Layer, area *files.Area) {
	l.Handle("CreateUploadUrl", func(_ context.Context, c *actions.Call) api.Reply {
		req := c.Request.(*model.CreateUploadUrlRequest)
		link := area.NewUpload(c.PublicBase(), *req.TargetAction)
		c.Note("upload link for " + *req.TargetAction)
		return c.Respond(map[string]any{
			"UploadUrl":        link.UploadURL,
			"ResourceUrl":      link.ResourceURL,
			"ExpiredTimestamp": link.ExpiresAt.Unix(),
		})
	})
}
