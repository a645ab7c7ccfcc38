package control

import (
	"errors"
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/webhook"
)

// Webhooks is what the webhook routes need of the callback dispatcher.
type Webhooks interface {
	List(token string) []webhook.Delivery
	Resend(id string) (webhook.Delivery, error)
}

// WebhooksJSON is the answer of GET /_emulator/webhooks.
type WebhooksJSON struct {
	// Webhooks are the page of deliveries, oldest first, each with url,
	// token, attempt, status, sentAt, responseStatus and error.
	Webhooks []webhook.Delivery `json:"Webhooks"`
	Total    int                `json:"Total"`
	PageJSON
}

// routeWebhooks adds GET /_emulator/webhooks[?token=] and POST
// /_emulator/webhooks/{id}/resend.
func (h *Handler) routeWebhooks(r *httprouter.Router) {
	wh := h.cfg.Webhooks
	if wh == nil {
		return
	}
	r.GET(Prefix+"/webhooks", h.admin(func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
		limit, offset, ok := pageParams(w, r, DefaultPageSize)
		if !ok {
			return
		}
		all := wh.List(r.URL.Query().Get("token"))
		total := len(all)
		end := max(total-offset, 0)
		start := max(end-limit, 0)
		writeJSON(w, http.StatusOK, WebhooksJSON{Webhooks: all[start:end], Total: total, PageJSON: newPage(limit, offset, total)})
	}))
	r.POST(Prefix+"/webhooks/:id/resend", h.admin(func(w http.ResponseWriter, _ *http.Request, ps httprouter.Params) {
		d, err := wh.Resend(ps.ByName("id"))
		if errors.Is(err, webhook.ErrNotFound) {
			writeError(w, http.StatusNotFound, "no such webhook delivery")
			return
		}
		writeJSON(w, http.StatusOK, d)
	}))
}
