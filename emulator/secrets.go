package emulator

import (
	"fmt"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/control"
)

// ErrUnknownSecretID: SetSecretScenario was given a SecretId that is not a
// configured credential.
var ErrUnknownSecretID = control.ErrUnknownSecretID

// SetSecretScenario makes a loaded scenario the default of a SecretId at
// run time, as PUT /_emulator/secrets/{SecretId}/scenario does: calls with
// that SecretId that no RuleId or match rule selects play it (the API-only
// actions answer its scripted response), over the defaultFor of the files,
// until it is changed or removed with name "". The choice outlives scenario
// reloads; a reload that drops the scenario makes the SecretId fall back to
// the files' choice. Only configured SecretIds are accepted, which bounds
// the table.
func (s *Server) SetSecretScenario(secretID, name string) error {
	if !s.hasSecretID(secretID) {
		return fmt.Errorf("%w: %q", ErrUnknownSecretID, secretID)
	}
	if name != "" {
		if _, ok := s.scenarioSet().Get(name); !ok {
			return fmt.Errorf("%w: %q", ErrUnknownScenario, name)
		}
	}
	if s.shared != nil {
		// Every replica's choice: the next call on any replica sees it
		// (see syncSecretScenarios).
		return s.shared.SetSecretScenario(secretID, name)
	}
	s.secretScenarios.Set(secretID, name)
	return nil
}

// SecretScenario returns the default scenario chosen for a SecretId with
// SetSecretScenario ("" when none).
func (s *Server) SecretScenario(secretID string) (string, error) {
	if !s.hasSecretID(secretID) {
		return "", fmt.Errorf("%w: %q", ErrUnknownSecretID, secretID)
	}
	if s.shared != nil {
		all, _, err := s.shared.SecretScenarios()
		return all[secretID], err
	}
	return s.secretScenarios.All()[secretID], nil
}

func (s *Server) hasSecretID(id string) bool {
	for _, c := range s.creds {
		if c.SecretID == id {
			return true
		}
	}
	return false
}

var _ control.SecretScenarios = (*Server)(nil)
