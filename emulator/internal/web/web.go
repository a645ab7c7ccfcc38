// Package web serves the verification page under /reflect/.
package web

import (
	"log/slog"
	"net/http"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid"
)

// Config configures the page handler.
type Config struct {
	Service *faceid.Service
	Logger  *slog.Logger
}

// New returns the page handler. (Being replaced by the full page flow.)
func New(cfg Config) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "verification page not built yet", http.StatusNotImplemented)
	})
}
