package faceid

import (
	"context"
	"errors"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/actions"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/model"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
)

func (s *Service) get(_ context.Context, c *actions.Call) api.Reply {
	call := c.Call
	token := *c.Request.(*model.GetWebVerificationResultIntlRequest).BizToken
	call.Token, call.Flow = token, FlowWeb
	sess, err := s.hub.Peek(token)
	if err != nil && !errors.Is(err, flow.ErrNotFound) {
		return s.storeFailed(err)
	}
	// Sessions belong to the account that created them, as in the real
	// service: another SecretId cannot tell a foreign token from a bad one,
	// nor a token of another flow.
	if err != nil {
		return api.Reply{Err: s.hub.UnknownToken(catalog.BizTokenIllegal, token)}
	}
	if sess.SecretID != call.Common.SecretID || sess.Flow != FlowWeb {
		return api.Reply{Err: catalog.New(catalog.BizTokenIllegal)}
	}
	now := s.now()
	if now.Sub(sess.CreatedAt) > ResultLifetime {
		return api.Reply{Err: catalog.New(catalog.BizTokenExpired)}
	}

	latency := api.Reply{}
	sc := s.web.scenarioOf(sess)
	if b, ok := sc.Behavior(ActionGet); ok {
		reply, scripted := actions.Scripted(b, s.hub.Counters().Token(token, ActionGet))
		if scripted {
			return reply
		}
		latency = reply
	}

	// A pending session changes on a poll only when its link has expired or
	// its scenario completes after polls; otherwise the copy just read is
	// the answer, and the store's write lock is not taken.
	changes := now.Sub(sess.CreatedAt) > LinkLifetime || sc.Completion.Mode == "polls"
	if sess.State == store.StatePending && changes {
		// The hub materialises a due expiry before fn runs.
		sess, err = s.hub.Update(token, func(sess *store.Session, _ flow.Flow) error {
			if sess.State != store.StatePending {
				return nil
			}
			sc := s.web.scenarioOf(sess)
			if sc.Completion.Mode != "polls" {
				return nil
			}
			sess.Polls++
			if sess.Polls > sc.Completion.Polls {
				s.web.playScenario(sess, sc, "polls", now)
			} else {
				flow.AddEvent(sess, now, "poll", "pending poll %d of %d", sess.Polls, sc.Completion.Polls)
			}
			return nil
		})
		if errors.Is(err, flow.ErrNotFound) {
			// Evicted between the read and the update.
			return api.Reply{Err: s.hub.UnknownToken(catalog.BizTokenIllegal, token)}
		}
		if err != nil {
			return s.storeFailed(err)
		}
	}
	latency.Body = s.resultModel(sess, call.RequestID)
	return latency
}

// storeFailed answers a call whose session store failed (a shared store's
// engine lost): InternalError, as the real service answers its own
// failures.
func (s *Service) storeFailed(err error) api.Reply {
	s.log.Error("session store", "err", err)
	return api.Reply{Err: catalog.New(catalog.InternalError)}
}

// resultModel renders a session as GetWebVerificationResultIntl's response.
// A pending session answers the success envelope with every result field
// null and Extra echoed, as the real service does.
func (s *Service) resultModel(sess *store.Session, requestID string) *model.GetWebVerificationResultIntlResponse {
	d := webData(sess)
	resp := &model.GetWebVerificationResultIntlResponse{Extra: d.Extra, RequestId: requestID}
	r := d.Result
	if sess.State != store.StateCompleted || r == nil {
		return resp
	}
	code := int64(r.ErrorCode)
	msg := r.ErrorMsg
	resp.ErrorCode = &code
	resp.ErrorMsg = &msg
	if len(d.Attempts) > 0 {
		resp.VerificationDetailList = make([]model.VerificationDetail, len(d.Attempts))
		for i, a := range d.Attempts {
			resp.VerificationDetailList[i] = detailModel(a)
		}
	}
	switch r.BestFrame {
	case "sample":
		resp.BestFrameBase64 = &s.media.BestFrame
	case "compare-image":
		if d.CompareImage != "" {
			img := d.CompareImage
			resp.BestFrameBase64 = &img
		} else {
			resp.BestFrameBase64 = &s.media.BestFrame
		}
	}
	if r.Video == "sample" {
		resp.VideoBase64 = &s.media.Video
	}
	if r.OCR != nil {
		resp.OCRResult = []model.OCRResult{s.ocrModel(*d.Config, r.OCR)}
	}
	return resp
}

func detailModel(a Attempt) model.VerificationDetail {
	code := int64(a.ErrorCode)
	live := int64(a.LivenessErrorCode)
	ts := uint64(a.ReqTimestampMS)
	d := model.VerificationDetail{
		ErrorCode:         &code,
		ErrorMsg:          ptr(catalog.ResultMessage(a.ErrorCode)),
		LivenessErrorCode: &live,
		LivenessErrorMsg:  ptr(catalog.ResultMessage(a.LivenessErrorCode)),
		ReqTimestamp:      &ts,
		Similarity:        ptr(a.Similarity),
		Seq:               ptr(a.Seq),
		LivenessInfoTag:   a.LivenessInfoTag,
	}
	if a.CompareErrorCode != nil {
		c := int64(*a.CompareErrorCode)
		d.CompareErrorCode = &c
		d.CompareErrorMsg = ptr(catalog.ResultMessage(*a.CompareErrorCode))
	}
	return d
}

// ocrModel renders the document step. CheckMode 1 returns NormalCardInfo;
// CheckMode 4 returns OriginalCardInfo (a JSON string) instead, as the spec
// says.
func (s *Service) ocrModel(cfg WebConfig, o *OCR) model.OCRResult {
	res := model.OCRResult{
		IsPass:          ptr(o.IsPass),
		CardImageBase64: &s.media.Card,
		HeadImageBase64: &s.media.Portrait,
		RequestId:       ptr(o.RequestID),
	}
	if len(o.WarnCardInfos) > 0 {
		res.WarnCardInfos = make([]int64, len(o.WarnCardInfos))
		for i, w := range o.WarnCardInfos {
			res.WarnCardInfos[i] = int64(w)
		}
	}
	if cfg.IdCardCutReturn {
		res.CardCutImageBase64 = &s.media.CardCut
	}
	card, err := model.SampleCard(cfg.IDCardType)
	if err != nil {
		s.log.Error("sample card", "type", cfg.IDCardType, "err", err)
		return res
	}
	if len(o.Fields) > 0 {
		if err := model.ApplyCardOverrides(card, cfg.IDCardType, o.Fields); err != nil {
			s.log.Warn("card field override", "type", cfg.IDCardType, "err", err)
		}
	}
	if cfg.CheckMode == 4 {
		res.OriginalCardInfo = ptr(model.OriginalCardInfoJSON(card, cfg.IDCardType, o.WarnCardInfos, o.RequestID))
		return res
	}
	res.NormalCardInfo = card
	return res
}

func ptr[T any](v T) *T { return &v }
