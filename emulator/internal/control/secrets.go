package control

import (
	"errors"
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid"
)

// ErrUnknownSecretID: the SecretId is not a configured credential.
var ErrUnknownSecretID = errors.New("unknown SecretId (not a configured credential)")

// SecretScenarios chooses the default scenario of a SecretId at run time,
// over the defaultFor of the scenario files (selection step 3): a test
// makes an API-only action pass, then fail, without a restart.
type SecretScenarios interface {
	// SetSecretScenario makes name the SecretId's default; "" removes it.
	// It fails with ErrUnknownSecretID or faceid.ErrUnknownScenario.
	SetSecretScenario(secretID, name string) error
	// SecretScenario returns the SecretId's chosen default ("" = none).
	SecretScenario(secretID string) (string, error)
}

// SecretScenarioJSON is the body of PUT and the answer of GET and PUT
// /_emulator/secrets/{SecretId}/scenario.
type SecretScenarioJSON struct {
	SecretID string `json:"SecretId,omitempty"`
	Scenario string `json:"Scenario"`
}

func (h *Handler) routeSecrets(r *httprouter.Router) {
	r.GET(Prefix+"/secrets/:secretId/scenario", h.admin(h.getSecretScenario))
	r.PUT(Prefix+"/secrets/:secretId/scenario", h.admin(h.putSecretScenario))
}

func (h *Handler) getSecretScenario(w http.ResponseWriter, _ *http.Request, ps httprouter.Params) {
	id := ps.ByName("secretId")
	if h.cfg.Secrets == nil {
		writeError(w, http.StatusNotFound, "per-SecretId scenarios are not available")
		return
	}
	name, err := h.cfg.Secrets.SecretScenario(id)
	if err != nil {
		h.secretError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, SecretScenarioJSON{SecretID: id, Scenario: name})
}

func (h *Handler) putSecretScenario(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	var req SecretScenarioJSON
	if !readJSON(w, r, &req, false) {
		return
	}
	id := ps.ByName("secretId")
	if req.SecretID != "" && req.SecretID != id {
		writeError(w, http.StatusBadRequest, "SecretId in the body differs from the path")
		return
	}
	if h.cfg.Secrets == nil {
		writeError(w, http.StatusNotFound, "per-SecretId scenarios are not available")
		return
	}
	if err := h.cfg.Secrets.SetSecretScenario(id, req.Scenario); err != nil {
		h.secretError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, SecretScenarioJSON{SecretID: id, Scenario: req.Scenario})
}

func (h *Handler) secretError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrUnknownSecretID):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, faceid.ErrUnknownScenario):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		h.cfg.Logger.Error("control", "err", err)
		writeError(w, http.StatusInternalServerError, err.Error())
	}
}
