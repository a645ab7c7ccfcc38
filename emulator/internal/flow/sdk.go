package flow

import (
	"bytes"
	"encoding/json"
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
// browser-facing scheme://host, "" for a relative link).
func SimulatorURL(base, token string) string {
	return base + SimulatorPath + "?token=" + url.QueryEscape(token)
}

// withSimulatorURL is an SDK flow's rendering with the session's
// SimulatorURL added as the last member, so that every SDK flow's session
// links to its page without each flow writing the field.
type withSimulatorURL struct {
	rendering any
	url       string
}

// MarshalJSON writes the flow's rendering with "SimulatorURL" appended, or
// the rendering unchanged when it is not an object or has the field.
func (w withSimulatorURL) MarshalJSON() ([]byte, error) {
	inner, err := json.Marshal(w.rendering)
	if err != nil {
		return nil, err
	}
	inner = bytes.TrimSpace(inner)
	var probe struct{ SimulatorURL *json.RawMessage }
	if len(inner) < 2 || inner[0] != '{' || json.Unmarshal(inner, &probe) != nil || probe.SimulatorURL != nil {
		return inner, nil
	}
	field, err := json.Marshal(w.url)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(inner)+len(field)+18)
	out = append(out, inner[:len(inner)-1]...)
	if len(bytes.TrimSpace(inner[1:len(inner)-1])) > 0 {
		out = append(out, ',')
	}
	out = append(out, `"SimulatorURL":`...)
	out = append(out, field...)
	return append(out, '}'), nil
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
