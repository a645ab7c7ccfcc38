package emulator

import (
	"encoding/json"
	"errors"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/cardverify"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/webhook"
)

// CardSession is a session of the card-verification flow
// (ApplyCardVerificationExternal) as the control API shows it.
type CardSession = cardverify.SessionJSON

// WebhookDelivery is one callback to a merchant's WebhookUrl and how it
// went, as GET /_emulator/webhooks lists it.
type WebhookDelivery = webhook.Delivery

var errNotCard = errors.New("not a session of the card-verification flow")

func asCardSession(v any, err error) (CardSession, error) {
	if err != nil {
		return CardSession{}, err
	}
	sess, ok := v.(CardSession)
	if !ok {
		return CardSession{}, errors.Join(ErrInvalidControl, errNotCard)
	}
	return sess, nil
}

// CardSession returns the session of a CardVerificationToken.
func (s *Server) CardSession(token string) (CardSession, error) {
	return asCardSession(s.control.Session(token, ""))
}

// CompleteCard finishes a PROCESSING card verification with a Status
// ("COMPLETED" or "ABNORMAL") and optional WarnInfo values, as POST
// /_emulator/sessions/{token}/complete {"Status":…} does; the WebhookUrl
// callback, if any, is sent. ErrUnknownCode for another status or an
// undocumented warning.
func (s *Server) CompleteCard(token, status string, warnInfo ...string) (CardSession, error) {
	raw, err := json.Marshal(cardverify.CompleteRequest{Status: status, WarnInfo: warnInfo})
	if err != nil {
		return CardSession{}, err
	}
	return asCardSession(s.control.Complete(token, raw, ""))
}

// Webhooks lists the kept callback deliveries, oldest first; with a token
// only that session's.
func (s *Server) Webhooks(token string) []WebhookDelivery { return s.hooks.List(token) }

// ResendWebhook sends a kept delivery's callback again as a new delivery.
func (s *Server) ResendWebhook(id string) (WebhookDelivery, error) { return s.hooks.Resend(id) }
