package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/control"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/files"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
)

// storeErr is why the shared store cannot be used now (nil while its
// engine answers, and always without a shared store). The gateway answers
// API calls with InternalError while it is set, without waiting for the
// engine's timeouts.
func (s *Server) storeErr() error {
	if s.shared == nil {
		return nil
	}
	return s.shared.Ready()
}

// sharedRoute reports whether a control route reads or changes the state
// replicas share (sessions, reset, clock, the SecretIds' scenario choices,
// the dashboard's data); health,
// ready, the journal and the scenarios are this process's and keep
// answering while the engine is lost.
func sharedRoute(path string) bool {
	rest := strings.TrimPrefix(path, control.Prefix)
	for _, p := range []string{"/sessions", "/reset", "/clock", "/secrets"} {
		if rest == p || strings.HasPrefix(rest, p+"/") {
			return true
		}
	}
	return false
}

// unavailable answers a control route that needs the lost engine with 503
// in the control API's error shape.
func (s *Server) unavailable(w http.ResponseWriter, err error) {
	var e control.ErrorJSON
	e.Error.Status = http.StatusServiceUnavailable
	e.Error.Message = err.Error()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", "1")
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = json.NewEncoder(w).Encode(e)
}

// sharedFiles keeps the file area's upload slots in the shared store, so
// that a CreateUploadUrl link made by one replica takes the PUT and serves
// the file on any; it turns the store's errors into the area's.
type sharedFiles struct{ r *store.Redis }

func (f sharedFiles) NewUpload(key string, expiresAt time.Time, keep time.Duration) error {
	return f.r.NewUpload(key, expiresAt, keep)
}

func (f sharedFiles) PutUpload(key string, data []byte, now time.Time) error {
	return filesError(f.r.PutUpload(key, data, now))
}

func (f sharedFiles) OpenUpload(key string) ([]byte, time.Time, error) {
	data, exp, err := f.r.OpenUpload(key)
	return data, exp, filesError(err)
}

func filesError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return files.ErrNotFound
	case errors.Is(err, store.ErrUploadExpired):
		return files.ErrExpired
	}
	return err
}

// syncSecretScenarios copies the shared SecretId scenario choices into
// secretScenarios when their version changed. The version comes with every
// read of the shared clock, which each API call makes before it selects a
// scenario, so this costs a round trip only after a change.
func (s *Server) syncSecretScenarios() {
	if s.shared == nil || s.shared.SecretsVersion() == s.secretsSynced.Load() {
		return
	}
	s.secretsMu.Lock()
	defer s.secretsMu.Unlock()
	if s.shared.SecretsVersion() == s.secretsSynced.Load() {
		return
	}
	all, version, err := s.shared.SecretScenarios()
	if err != nil {
		return // the engine is lost: ready and the API report it
	}
	for id := range s.secretScenarios.All() {
		if _, kept := all[id]; !kept {
			s.secretScenarios.Set(id, "")
		}
	}
	for id, name := range all {
		s.secretScenarios.Set(id, name)
	}
	s.secretsSynced.Store(version)
}
