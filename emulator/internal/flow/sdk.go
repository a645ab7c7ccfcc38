package flow

import (
	"net/url"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
)

// SimulatorPath is the SDK simulator page, one path for every SDK flow:
// <base>/sdk/?token=<token>. The web flow keeps its own page (/reflect/).
const SimulatorPath = "/sdk/"

// SDKTable returns the result-code table of an SDK flow kind: a kind that
// names a token flow's table in catalog/flow-results.json (selfie, ekyc,
// liveness, reflect, ...). Sessions of those flows are finished by a
// mobile app's SDK, which no test can run, so the SDK simulator page lets a
// person pick the outcome; ok is false for any other kind (the web flow
// has its verification page and its own table).
func SDKTable(kind string) (catalog.Flow, bool) {
	t, ok := catalog.LookupFlow(kind)
	if !ok || len(t.Actions) < 2 {
		// One-action tables are API-only actions, not token flows.
		return catalog.Flow{}, false
	}
	return t, true
}

// SimulatorURL is the simulator page of token under base (the
// browser-facing scheme://host, "" for a relative link). Every SDK flow's
// Render has it as "SimulatorURL" (the control API's link, which the
// dashboard follows); flows own their renderings, and the typed controls
// read them by type, so the hub does not add it.
func SimulatorURL(base, token string) string {
	return base + SimulatorPath + "?token=" + url.QueryEscape(token)
}

// PageOpener is implemented by a flow whose sessions react to their page
// being opened in a browser (an SDK flow whose scenario completes "auto"
// completes when its simulator page opens, as the web flow's does when its
// verification page opens). Open changes only the session it is given.
type PageOpener interface {
	Open(sess *store.Session, now time.Time)
}

// Open is a session's page opening: its flow's Open when the flow is a
// PageOpener, after a due expiry is materialised. It returns the session
// as it is afterwards.
func (h *Hub) Open(token string) (*store.Session, error) {
	return h.Update(token, func(sess *store.Session, f Flow) error {
		if o, ok := f.(PageOpener); ok {
			o.Open(sess, h.Now())
		}
		return nil
	})
}
