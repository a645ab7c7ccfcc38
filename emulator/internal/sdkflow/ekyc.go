package sdkflow

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/actions"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/model"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/files"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// ekycSpec: the eKYC SDK (document OCR, liveness, comparison).
// ApplySdkVerificationToken documents SdkToken as valid 10 minutes,
// GetSdkVerificationResult as answering for three days. The result
// action's documented errors are InternalError, InternalError.UnKnown and
// UnauthorizedOperation: a token the caller may not read (unknown, of
// another SecretId, too old) is the last [inference: Tencent documents no
// token error for this action].
var ekycSpec = Spec{
	Kind: KindEKYC, Apply: "ApplySdkVerificationToken", Result: "GetSdkVerificationResult",
	TokenLifetime: 10 * time.Minute, ResultLifetime: 72 * time.Hour, Unfinished: "-999",
	IllegalToken: "UnauthorizedOperation", ExpiredToken: "UnauthorizedOperation",
	Media: "url",
}

// EKYCConfig is ApplySdkVerificationToken's request with defaults
// resolved (the UI switches the SDK alone uses are kept for Render).
type EKYCConfig struct {
	CheckMode                    int64    `json:"CheckMode"`
	SecurityLevel                int64    `json:"SecurityLevel"`
	IdCardType                   string   `json:"IdCardType"`
	SdkVersion                   string   `json:"SdkVersion"`
	ActionList                   string   `json:"ActionList,omitempty"`
	RetryLimit                   int64    `json:"RetryLimit"`
	NeedVerifyIdCard             bool     `json:"NeedVerifyIdCard"`
	DisableCheckOcrWarnings      bool     `json:"DisableCheckOcrWarnings"`
	SelectedWarningCodes         []int64  `json:"SelectedWarningCodes,omitempty"`
	AllowExpiredDocument         bool     `json:"AllowExpiredDocument"`
	CardOcrDisplayFields         []string `json:"CardOcrDisplayFields,omitempty"`
	SkipLaunchPage               bool     `json:"SkipLaunchPage"`
	SkipOcrConfirmPage           bool     `json:"SkipOcrConfirmPage"`
	SkipResultPage               bool     `json:"SkipResultPage"`
	HideProgressBar              bool     `json:"HideProgressBar"`
	AllowUploadPhoto             bool     `json:"AllowUploadPhoto"`
	EnableForgeryDetectionImages bool     `json:"EnableForgeryDetectionImages"`
	HasCompareImage              bool     `json:"HasCompareImage"`
}

// cardKeys maps IdCardType values to the NormalCardInfo object they fill;
// the others are the same name.
var cardKeys = map[string]string{
	"HK": "HKIDCard", "ML": "MLIDCard", "MLIDPassport": "InternationalIDPassport", "HMTPermit": "HMTPermitCard",
}

// cardKey returns the NormalCardInfo key of an IdCardType.
func cardKey(idCardType string) string {
	if k, ok := cardKeys[idCardType]; ok {
		return k
	}
	return idCardType
}

func (s *Service) registerEKYC(l *actions.Layer) {
	f := s.flows.EKYC
	s.files.Generate("ocr", s.ocrFile)
	s.files.Generate("livedata", s.liveDataFile)
	handle(l, f.spec.Apply, func(c *actions.Call) api.Reply {
		req := c.Request.(*model.ApplySdkVerificationTokenRequest)
		cfg := EKYCConfig{CheckMode: 1, SecurityLevel: 4, IdCardType: "HK", SdkVersion: "BASIC", RetryLimit: 5, AllowExpiredDocument: true}
		setInt(&cfg.CheckMode, req.CheckMode)
		setInt(&cfg.SecurityLevel, req.SecurityLevel)
		setInt(&cfg.RetryLimit, req.RetryLimit)
		setString(&cfg.IdCardType, req.IdCardType)
		setString(&cfg.SdkVersion, req.SdkVersion)
		for _, b := range []struct {
			dst *bool
			v   *bool
		}{
			{&cfg.NeedVerifyIdCard, req.NeedVerifyIdCard}, {&cfg.DisableCheckOcrWarnings, req.DisableCheckOcrWarnings},
			{&cfg.AllowExpiredDocument, req.AllowExpiredDocument}, {&cfg.SkipLaunchPage, req.SkipLaunchPage},
			{&cfg.SkipOcrConfirmPage, req.SkipOcrConfirmPage}, {&cfg.SkipResultPage, req.SkipResultPage},
			{&cfg.HideProgressBar, req.HideProgressBar}, {&cfg.AllowUploadPhoto, req.AllowUploadPhoto},
			{&cfg.EnableForgeryDetectionImages, req.EnableForgeryDetectionImages},
		} {
			if b.v != nil {
				*b.dst = *b.v
			}
		}
		cfg.SelectedWarningCodes = req.SelectedWarningCodes
		cfg.CardOcrDisplayFields = req.CardOcrDisplayFields
		level := strconv.FormatInt(cfg.SecurityLevel, 10)
		if err := checkActionList(req.ActionList, level, "SecurityLevel"); err != nil {
			return api.Reply{Err: err}
		}
		if actionLevel(level) {
			cfg.ActionList = "blink"
			setString(&cfg.ActionList, req.ActionList)
		}
		cfg.HasCompareImage = req.CompareImage != nil && *req.CompareImage != ""
		if cfg.CheckMode == 2 && !cfg.HasCompareImage {
			c.Note("CheckMode 2 compares against CompareImage, which is missing; the emulator accepts it")
		}
		d := &Data{
			Config: configJSON(cfg), Extra: req.Extra, Compares: cfg.CheckMode == 1 || cfg.CheckMode == 2,
			Plus: cfg.SdkVersion == "PLUS" || cfg.SdkVersion == "PRO", Actions: actionLevel(level),
			DeviceInfoLevel: deviceInfoLevel(cfg.SdkVersion), RetryLimit: int(cfg.RetryLimit),
		}
		if cfg.CheckMode == 1 {
			d.CardType = cardKey(cfg.IdCardType)
		}
		return s.applyToken(c, f, d, func(token string) map[string]any {
			return map[string]any{"ServerParamInfo": serverParamInfo(token)}
		})
	})
	s.handleResult(l, f, func(sess *store.Session, base string) map[string]any { return s.ekycResult(f, sess, base) })
}

// serverParamInfo is the opaque "encrypted server-side parameters" the
// SDK is started with: derived from the token, so it is stable.
func serverParamInfo(token string) string {
	sum := sha512.Sum512([]byte("faceid-emulator server params " + token))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// ekycResult is GetSdkVerificationResult's answer for a session: one
// CardVerifyResult for the document step (CheckMode 1), one CompareResult
// per liveness attempt, every file a URL of the emulator's file area.
func (s *Service) ekycResult(f *Flow, sess *store.Session, base string) map[string]any {
	d := dataOf(sess)
	code, msg := f.code(sess)
	out := map[string]any{
		"Result": code, "Description": msg, "ChargeCount": 0, "CardVerifyResults": nil, "CompareResults": nil,
		"Extra": deref(d.Extra), "DeviceInfoLevel": "",
	}
	r := d.Result
	if sess.State != store.StateCompleted || r == nil {
		return out
	}
	out["DeviceInfoLevel"] = d.DeviceInfoLevel
	charged := 0
	if d.CardType != "" && r.OCR != nil {
		out["CardVerifyResults"] = []map[string]any{s.cardResult(sess.Token, d, r.OCR, base)}
		charged++
	}
	if len(d.Attempts) > 0 {
		list := make([]map[string]any, len(d.Attempts))
		for i, a := range d.Attempts {
			list[i] = s.compareResult(f, sess.Token, i, d, a, base)
		}
		out["CompareResults"] = list
		charged += len(d.Attempts)
	}
	// Each OCR and liveness process is billed [inference: the example's
	// ChargeCount counts processes; the 2026-03-10 notice made the
	// failures 1002/1005/1201/2017 billable too].
	out["ChargeCount"] = charged
	return out
}

func (s *Service) cardResult(token string, d *Data, o *OCR, base string) map[string]any {
	warn := make([]int64, len(o.WarnCardInfos))
	for i, w := range o.WarnCardInfos {
		warn[i] = int64(w)
	}
	out := map[string]any{
		"IsPass": o.IsPass, "IsEdit": false, "CardVideo": nil, "CardImage": s.fileInfo(base, "card.jpg"),
		"CardInfoOcrJson": nil, "RequestId": o.RequestID, "CardInfo": nil, "NormalCardInfo": nil,
		"WarnCardInfos": warn, "EditDetails": nil,
	}
	// The OCR result is left empty when OCR fails, as documented.
	if o.IsPass {
		if card := s.card(d.CardType, o); card != nil {
			out["NormalCardInfo"] = card
			out["CardInfoOcrJson"] = s.generatedInfo(base, "ocr", token+".json")
		}
	}
	return out
}

// card is the sample card of a NormalCardInfo key with the scenario's
// field overrides (nil for a document the samples do not have).
func (s *Service) card(key string, o *OCR) *model.NormalCardInfo {
	card, err := model.SampleCard(key)
	if err != nil {
		return nil
	}
	if len(o.Fields) > 0 {
		if err := model.ApplyCardOverrides(card, key, o.Fields); err != nil {
			s.log.Warn("card field override", "type", key, "err", err)
		}
	}
	return card
}

func (s *Service) compareResult(f *Flow, token string, i int, d *Data, a Attempt, base string) map[string]any {
	r := d.Result
	cmp, cmpMsg := "", ""
	if a.CompareCode != nil {
		cmp, cmpMsg = *a.CompareCode, f.message(*a.CompareCode)
	}
	out := map[string]any{
		"ErrorCode": a.Code, "ErrorMsg": f.message(a.Code),
		"LiveData":  s.generatedInfo(base, "livedata", token+"."+strconv.Itoa(i)),
		"LiveVideo": nil, "ActionVideo": nil,
		"LiveErrorCode": a.LiveCode, "LiveErrorMsg": f.message(a.LiveCode),
		"BestFrame": nil, "ProfileImage": nil,
		"CompareErrorCode": cmp, "CompareErrorMsg": cmpMsg, "Sim": a.Similarity,
		"IsNeedCharge": true, "CardInfoInputJson": nil, "RequestId": a.RequestID, "LivenessInfoTag": nil,
	}
	if r.Video == scenarios.MediaSample {
		out["LiveVideo"] = s.fileInfo(base, "video.mp4")
		if d.Actions {
			out["ActionVideo"] = s.fileInfo(base, "video.mp4")
		}
	}
	if r.BestFrame == scenarios.MediaSample {
		out["BestFrame"] = s.fileInfo(base, "bestframe.jpg")
	}
	if d.CardType != "" {
		out["ProfileImage"] = s.fileInfo(base, "portrait.jpg")
	}
	if d.Plus && len(a.LivenessInfoTag) > 0 {
		out["LivenessInfoTag"] = a.LivenessInfoTag
	}
	return out
}

// ocrFile generates CardInfoOcrJson: the document's OCR result as the raw
// JSON object the eKYC SDK uploads ("<token>.json").
func (s *Service) ocrFile(name string) (files.File, bool) {
	token, ok := strings.CutSuffix(name, ".json")
	if !ok {
		return files.File{}, false
	}
	sess, err := s.hub.Peek(token)
	if err != nil || sess.Flow != KindEKYC {
		return files.File{}, false
	}
	d := dataOf(sess)
	if d.Result == nil || d.Result.OCR == nil || !d.Result.OCR.IsPass {
		return files.File{}, false
	}
	card := s.card(d.CardType, d.Result.OCR)
	if card == nil {
		return files.File{}, false
	}
	o := d.Result.OCR
	text := model.OriginalCardInfoJSON(card, d.CardType, o.WarnCardInfos, o.RequestID)
	return files.File{Name: name, ContentType: "application/json", Data: []byte(text)}, true
}

// liveDataFile generates LiveData, the liveness package of one attempt
// ("<token>.<n>"): an opaque JSON record naming the session and attempt.
func (s *Service) liveDataFile(name string) (files.File, bool) {
	token, n, ok := strings.Cut(name, ".")
	i, err := strconv.Atoi(n)
	if !ok || err != nil {
		return files.File{}, false
	}
	sess, err := s.hub.Peek(token)
	if err != nil || sess.Flow != KindEKYC {
		return files.File{}, false
	}
	d := dataOf(sess)
	if i < 0 || i >= len(d.Attempts) {
		return files.File{}, false
	}
	data, _ := json.Marshal(map[string]any{"SdkToken": token, "RequestId": d.Attempts[i].RequestID, "Attempt": i + 1})
	return files.File{Name: name, ContentType: "application/octet-stream", Data: data}, true
}

func setInt(dst *int64, v *int64) {
	if v != nil {
		*dst = *v
	}
}
