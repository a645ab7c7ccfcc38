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

// selfieSpec: the selfie verification SDK. GetFaceIdTokenIntl documents
// SdkToken as valid 10 minutes, GetFaceIdResultIntl as answering for 72
// hours; "-999" is the documented "not finished" result.
var selfieSpec = Spec{
	Kind: KindSelfie, Apply: "GetFaceIdTokenIntl", Result: "GetFaceIdResultIntl",
	TokenLifetime: 10 * time.Minute, ResultLifetime: 72 * time.Hour, Unfinished: "-999",
	IllegalToken: catalog.BizTokenIllegal, ExpiredToken: catalog.BizTokenExpired,
	Media: "base64",
}

// maxSelfieImage bounds GetFaceIdTokenIntl's Image (as sent): the web
// flow's documented 8 MB for its comparison image, answered with the
// action's documented FailedOperation.ImageSizeTooLarge.
const maxSelfieImage = 8 << 20

// SelfieConfig is GetFaceIdTokenIntl's request with defaults resolved.
type SelfieConfig struct {
	CheckMode   string `json:"CheckMode"`
	SecureLevel string `json:"SecureLevel"`
	ActionList  string `json:"ActionList,omitempty"`
	SdkVersion  string `json:"SdkVersion"`
	RetryLimit  int64  `json:"RetryLimit"`
	HasImage    bool   `json:"HasImage"`
}

func (s *Service) registerSelfie(l *actions.Layer) {
	f := s.flows.Selfie
	handle(l, f.spec.Apply, func(c *actions.Call) api.Reply {
		req := c.Request.(*model.GetFaceIdTokenIntlRequest)
		cfg := SelfieConfig{CheckMode: "liveness", SecureLevel: "4", SdkVersion: "BASIC", RetryLimit: 5}
		setString(&cfg.CheckMode, req.CheckMode)
		setString(&cfg.SecureLevel, req.SecureLevel)
		setString(&cfg.SdkVersion, req.SdkVersion)
		if req.RetryLimit != nil {
			cfg.RetryLimit = *req.RetryLimit
		}
		if err := checkActionList(req.ActionList, cfg.SecureLevel, "SecureLevel"); err != nil {
			return api.Reply{Err: err}
		}
		if actionLevel(cfg.SecureLevel) {
			cfg.ActionList = "blink"
			setString(&cfg.ActionList, req.ActionList)
		}
		if req.Image != nil && len(*req.Image) > maxSelfieImage {
			return api.Reply{Err: catalog.New("FailedOperation.ImageSizeTooLarge")}
		}
		cfg.HasImage = req.Image != nil && *req.Image != ""
		if cfg.CheckMode == "compare" && !cfg.HasImage {
			c.Note(`CheckMode "compare" compares against Image, which is missing; the emulator accepts it`)
		}
		d := &Data{
			Config: configJSON(cfg), Extra: req.Extra, Compares: cfg.CheckMode == "compare",
			Plus: cfg.SdkVersion == "PLUS" || cfg.SdkVersion == "PRO", Actions: actionLevel(cfg.SecureLevel),
			DeviceInfoLevel: deviceInfoLevel(cfg.SdkVersion), RetryLimit: int(cfg.RetryLimit),
		}
		return s.applyToken(c, f, d, nil)
	})
	s.handleResult(l, f, func(sess *store.Session, _ string) map[string]any { return s.selfieResult(f, sess) })
}

// selfieResult is GetFaceIdResultIntl's answer for a session: "-999" and
// empty media while the SDK has not finished.
func (s *Service) selfieResult(f *Flow, sess *store.Session) map[string]any {
	d := dataOf(sess)
	code, msg := f.code(sess)
	out := map[string]any{
		"Result": code, "Description": msg, "BestFrame": "", "Video": "", "ActionVideo": "",
		"Similarity": nil, "Extra": d.Extra, "DeviceInfoLevel": "", "LivenessInfoTag": nil,
	}
	r := d.Result
	if sess.State != store.StateCompleted || r == nil {
		return out
	}
	out["DeviceInfoLevel"] = d.DeviceInfoLevel
	// The spec: Similarity is meaningful only in compare mode; liveness
	// mode returns 0.
	out["Similarity"] = 0.0
	if a, ok := d.lastAttempt(); ok {
		if d.Compares {
			out["Similarity"] = a.Similarity
		}
		if d.Plus && len(a.LivenessInfoTag) > 0 {
			out["LivenessInfoTag"] = a.LivenessInfoTag
		}
	}
	if r.BestFrame == scenarios.MediaSample {
		out["BestFrame"] = s.media.BestFrame
	}
	if r.Video == scenarios.MediaSample {
		out["Video"] = s.media.Video
		if d.Actions {
			out["ActionVideo"] = s.media.Video
		}
	}
	return out
}

// deviceInfoLevel: the Enhance and Plus versions report the device's risk
// level; the emulator's devices are "1" (secure).
func deviceInfoLevel(sdkVersion string) string {
	if sdkVersion == "ENHANCED" || sdkVersion == "PLUS" {
		return "1"
	}
	return ""
}

// checkActionList enforces the documented rule that ActionList is allowed
// only with a security level that asks for actions (the layer has checked
// its values).
func checkActionList(list *string, level, levelName string) *catalog.Error {
	if list == nil || *list == "" || actionLevel(level) {
		return nil
	}
	return catalog.BadValue("ActionList", "only allowed when "+levelName+" is 2 or 4")
}

func setString(dst *string, v *string) {
	if v != nil && *v != "" {
		*dst = *v
	}
}
