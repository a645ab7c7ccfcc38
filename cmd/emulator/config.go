package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/faceid-emulator/faceid-emulator/internal/textlog"
)

// config is every setting of the binary. Each flag reads its default from
// an EMULATOR_* variable, so a flag given on the command line wins.
type config struct {
	Addr           string
	Credentials    string
	MaxClockSkew   time.Duration
	PublicURL      string
	Regions        string
	HostAliases    string
	Scenarios      string
	ReloadInterval time.Duration
	MaxSessions    int
	JournalSize    int
	AdminToken     string
	AllowedOrigins string
	WebhookAllow   string
	WebhookTimeout time.Duration
	DataDir        string
	Store          string
	StorePassword  string
	LogLevel       string
	LogFormat      string
	ReadTimeout    time.Duration
	ShutdownGrace  time.Duration
	TLS            bool
	TLSAddr        string
	TLSCert        string
	TLSKey         string
	TLSHosts       string
	TLSWriteCert   string
}

// envFlags binds flags to environment variables and remembers the pairs for
// --help and for reporting malformed variables.
type envFlags struct {
	fs     *flag.FlagSet
	getenv func(string) string
	errs   []string
}

func (e *envFlags) str(dst *string, name, env, def, usage string) {
	if v := e.getenv(env); v != "" {
		def = v
	}
	e.fs.StringVar(dst, name, def, usage+" ["+env+"]")
}

func (e *envFlags) boolean(dst *bool, name, env string, def bool, usage string) {
	if v := e.getenv(env); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Sprintf("%s=%q: not a boolean", env, v))
		} else {
			def = b
		}
	}
	e.fs.BoolVar(dst, name, def, usage+" ["+env+"]")
}

func (e *envFlags) integer(dst *int, name, env string, def int, usage string) {
	if v := e.getenv(env); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Sprintf("%s=%q: not an integer", env, v))
		} else {
			def = n
		}
	}
	e.fs.IntVar(dst, name, def, usage+" ["+env+"]")
}

func (e *envFlags) duration(dst *time.Duration, name, env string, def time.Duration, usage string) {
	if v := e.getenv(env); v != "" {
		d, err := parseDuration(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Sprintf("%s=%q: %v", env, v, err))
		} else {
			def = d
		}
	}
	e.fs.DurationVar(dst, name, def, usage+" ["+env+"]")
}

// parseDuration accepts Go durations and a bare "0".
func parseDuration(v string) (time.Duration, error) {
	if v == "0" {
		return 0, nil
	}
	return time.ParseDuration(v)
}

// DefaultAddr is where the emulator listens by default.
const DefaultAddr = ":8780"

// parseConfig reads flags and environment for the serve and healthcheck
// commands.
func parseConfig(name string, args []string, getenv func(string) string, out io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("emulator "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	e := &envFlags{fs: fs, getenv: getenv}
	e.str(&c.Addr, "addr", "EMULATOR_ADDR", DefaultAddr, "listen address (host:port) of the HTTP endpoint")
	e.str(&c.Credentials, "credentials", "EMULATOR_CREDENTIALS", "", "accepted credentials, comma-separated SecretId:SecretKey[:Token]; empty = the documented default pair")
	e.duration(&c.MaxClockSkew, "max-clock-skew", "EMULATOR_MAX_CLOCK_SKEW", 5*time.Minute, "allowed difference between X-TC-Timestamp and real time; 0 turns the check off")
	e.str(&c.PublicURL, "public-url", "EMULATOR_PUBLIC_URL", "", "browser-facing base URL of VerificationURL, e.g. http://localhost:8780; empty = scheme and Host of the Apply request")
	e.str(&c.Regions, "regions", "EMULATOR_REGIONS", "", "accepted regions, comma-separated; empty = Tencent's international regions; * = any")
	e.str(&c.HostAliases, "host-aliases", "EMULATOR_HOST_ALIASES", "", "extra host names accepted as the signed host, comma-separated (ApigwEndpoint setups)")
	e.str(&c.Scenarios, "scenarios", "EMULATOR_SCENARIOS", "", "scenario files or directories, comma-separated, loaded over the shipped library and reloaded when changed")
	e.duration(&c.ReloadInterval, "reload-interval", "EMULATOR_RELOAD_INTERVAL", time.Second, "how often scenario files are checked for changes; 0 = only on SIGHUP")
	e.integer(&c.MaxSessions, "max-sessions", "EMULATOR_MAX_SESSIONS", 200000, "sessions kept at most; the oldest are evicted first")
	e.integer(&c.JournalSize, "journal-size", "EMULATOR_JOURNAL_SIZE", 1000, "API requests kept in the journal")
	e.str(&c.AdminToken, "admin-token", "EMULATOR_ADMIN_TOKEN", "", "when set, /_emulator routes (but health and ready) need Authorization: Bearer <token>")
	e.str(&c.AllowedOrigins, "allowed-origins", "EMULATOR_ALLOWED_ORIGINS", "", "browser origins (scheme://host:port), comma-separated, besides the emulator's own, allowed to call state-changing /_emulator routes; * = any")
	e.str(&c.WebhookAllow, "webhook-allow", "EMULATOR_WEBHOOK_ALLOW", "", "where callbacks (WebhookUrl) may go: host names, *.domain patterns or CIDRs, comma-separated; empty = every http(s) destination, loopback included")
	e.duration(&c.WebhookTimeout, "webhook-timeout", "EMULATOR_WEBHOOK_TIMEOUT", 5*time.Second, "time one callback attempt may take (connect, send, answer)")
	e.str(&c.DataDir, "data-dir", "EMULATOR_DATA_DIR", "", "keep sessions in this directory across restarts; empty = memory only")
	// Not e.str for these two: the variables' values (the URL may carry
	// the password) must not show as defaults in --help. They are read
	// after parsing, when the flags are not given.
	fs.StringVar(&c.Store, "store", "", "redis://host:port/db or rediss://...: keep sessions, counters and the clock in Valkey/Redis, shared by every replica using it; the password from the URL or EMULATOR_STORE_PASSWORD; empty = this process (memory, or --data-dir) [EMULATOR_STORE]")
	fs.StringVar(&c.StorePassword, "store-password", "", "password of the --store engine when its URL has none; prefer the variable (a flag shows in the process list) [EMULATOR_STORE_PASSWORD]")
	e.str(&c.LogLevel, "log-level", "EMULATOR_LOG_LEVEL", "info", "log level: debug, info, warn, error")
	e.str(&c.LogFormat, "log-format", "EMULATOR_LOG_FORMAT", "text", "log format: text or json")
	e.duration(&c.ReadTimeout, "read-timeout", "EMULATOR_READ_TIMEOUT", 30*time.Second, "time allowed to read a whole request; slow or endless bodies are cut off")
	e.duration(&c.ShutdownGrace, "shutdown-grace", "EMULATOR_SHUTDOWN_GRACE", 2*time.Second, "time in-flight requests get to finish on SIGTERM")
	e.boolean(&c.TLS, "tls", "EMULATOR_TLS", false, "also serve HTTPS on --tls-addr")
	e.str(&c.TLSAddr, "tls-addr", "EMULATOR_TLS_ADDR", ":8743", "listen address of the HTTPS endpoint")
	e.str(&c.TLSCert, "tls-cert", "EMULATOR_TLS_CERT", "", "PEM certificate file; empty = a self-signed certificate generated at start")
	e.str(&c.TLSKey, "tls-key", "EMULATOR_TLS_KEY", "", "PEM private key file for --tls-cert")
	e.str(&c.TLSHosts, "tls-hosts", "EMULATOR_TLS_HOSTS", "localhost,127.0.0.1,::1", "host names and IPs of the self-signed certificate, comma-separated")
	e.str(&c.TLSWriteCert, "tls-write-cert", "EMULATOR_TLS_WRITE_CERT", "", "write the generated self-signed certificate (PEM) to this file, for clients to trust")
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: emulator %s [flags]\n\nFlags (each also read from the EMULATOR_* variable in brackets):\n", name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if c.Store == "" {
		c.Store = getenv("EMULATOR_STORE")
	}
	if c.StorePassword == "" {
		c.StorePassword = getenv("EMULATOR_STORE_PASSWORD")
	}
	if len(e.errs) > 0 {
		return nil, fmt.Errorf("environment: %s", strings.Join(e.errs, "; "))
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if err := c.checkBounds(); err != nil {
		return nil, err
	}
	return c, nil
}

// Bounds of the numeric settings. Each is far beyond what a test or a load
// test needs and keeps a typo (an extra zero, a negative value) from
// exhausting memory or turning a limit off.
const (
	maxMaxSessions    = 10_000_000
	maxJournalSize    = 1_000_000
	maxClockSkewBound = 24 * time.Hour
	minReloadInterval = 10 * time.Millisecond
	maxReloadInterval = 24 * time.Hour
	minReadTimeout    = 100 * time.Millisecond
	maxReadTimeout    = time.Hour
	maxShutdownGrace  = 5 * time.Minute
	minWebhookTimeout = 100 * time.Millisecond
	maxWebhookTimeout = time.Minute
)

// checkBounds refuses settings out of their documented range, naming the
// flag, its variable, the range and the value given.
func (c *config) checkBounds() error {
	type intRule struct {
		flag, env string
		v, lo, hi int
	}
	for _, r := range []intRule{
		{"max-sessions", "EMULATOR_MAX_SESSIONS", c.MaxSessions, 1, maxMaxSessions},
		{"journal-size", "EMULATOR_JOURNAL_SIZE", c.JournalSize, 1, maxJournalSize},
	} {
		if r.v < r.lo || r.v > r.hi {
			return fmt.Errorf("--%s (%s) must be between %d and %d, got %d", r.flag, r.env, r.lo, r.hi, r.v)
		}
	}
	type durRule struct {
		flag, env string
		v, lo, hi time.Duration
		zeroOK    bool // 0 has a meaning of its own (off)
	}
	for _, r := range []durRule{
		{"max-clock-skew", "EMULATOR_MAX_CLOCK_SKEW", c.MaxClockSkew, time.Second, maxClockSkewBound, true},
		{"reload-interval", "EMULATOR_RELOAD_INTERVAL", c.ReloadInterval, minReloadInterval, maxReloadInterval, true},
		{"read-timeout", "EMULATOR_READ_TIMEOUT", c.ReadTimeout, minReadTimeout, maxReadTimeout, false},
		{"shutdown-grace", "EMULATOR_SHUTDOWN_GRACE", c.ShutdownGrace, 0, maxShutdownGrace, true},
		{"webhook-timeout", "EMULATOR_WEBHOOK_TIMEOUT", c.WebhookTimeout, minWebhookTimeout, maxWebhookTimeout, false},
	} {
		if r.v == 0 && r.zeroOK {
			continue
		}
		if r.v < r.lo || r.v > r.hi {
			zero := ""
			if r.zeroOK {
				zero = " (or 0)"
			}
			return fmt.Errorf("--%s (%s) must be between %v and %v%s, got %v", r.flag, r.env, r.lo, r.hi, zero, r.v)
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func newLogger(c *config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.LogFormat {
	case "text":
		// slog's text format, written faster for flat records such as the
		// request log; w (the buffered log) takes whole lines under a lock.
		return slog.New(textlog.New(w, level)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json")
}
