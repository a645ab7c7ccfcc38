package faceid

import "github.com/faceid-emulator/faceid-emulator/emulator/internal/intern"

// shared keeps one copy of what many sessions share: the resolved Config
// (about 180 bytes), the RedirectURL and the "created" timeline detail. A
// load test's million sessions have a handful of each.
type shared struct {
	configs intern.Table[WebConfig, *WebConfig]
	strings intern.Strings
}

// config returns the shared copy of c (read only).
func (s *shared) config(c WebConfig) *WebConfig {
	return s.configs.Get(c, func() *WebConfig { return &c })
}

// str returns the shared copy of a short string, or v itself.
func (s *shared) str(v string) string { return s.strings.Get(v) }
