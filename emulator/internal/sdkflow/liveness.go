package sdkflow

import (
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/actions"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/model"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// livenessSpec: the liveness detection SDK. ApplyLivenessToken documents
// SdkToken as valid 10 minutes, GetLivenessResult as answering for two
// hours; its errors are those of GetFaceIdResultIntl.
var livenessSpec = Spec{
	Kind: KindLiveness, Apply: "ApplyLivenessToken", Result: "GetLivenessResult",
	TokenLifetime: 10 * time.Minute, ResultLifetime: 2 * time.Hour, Unfinished: "-999",
	IllegalToken: catalog.BizTokenIllegal, ExpiredToken: catalog.BizTokenExpired,
	Media: "url",
}

// LivenessConfig is ApplyLivenessToken's request with defaults resolved.
type LivenessConfig struct {
	SecureLevel string `json:"SecureLevel"`
}

func (s *Service) registerLiveness(l *actions.Layer) {
	f := s.flows.Liveness
	handle(l, f.spec.Apply, func(c *actions.Call) api.Reply {
		req := c.Request.(*model.ApplyLivenessTokenRequest)
		cfg := LivenessConfig{SecureLevel: "4"}
		setString(&cfg.SecureLevel, req.SecureLevel)
		d := &Data{Config: configJSON(cfg), Actions: actionLevel(cfg.SecureLevel)}
		return s.applyToken(c, f, d, nil)
	})
	s.handleResult(l, f, func(sess *store.Session, base string) map[string]any {
		code, msg := f.code(sess)
		out := map[string]any{"Result": code, "Description": msg, "BestFrame": nil, "Video": nil}
		if r := dataOf(sess).Result; sess.State == store.StateCompleted && r != nil {
			if r.BestFrame == scenarios.MediaSample {
				out["BestFrame"] = s.fileInfo(base, "bestframe.jpg")
			}
			if r.Video == scenarios.MediaSample {
				out["Video"] = s.fileInfo(base, "video.mp4")
			}
		}
		return out
	})
}
