package main

import (
	"bufio"
	"errors"
	"flag"
	"io"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// envMap is a getenv backed by a map.
func envMap(kv ...string) func(string) string {
	m := map[string]string{}
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

func TestParseConfigDefaults(t *testing.T) {
	c, err := parseConfig("serve", nil, envMap(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := config{
		Addr:           DefaultAddr,
		MaxClockSkew:   5 * time.Minute,
		ReloadInterval: time.Second,
		MaxSessions:    200000,
		JournalSize:    1000,
		LogLevel:       "info",
		LogFormat:      "text",
		ReadTimeout:    30 * time.Second,
		ShutdownGrace:  2 * time.Second,
		WebhookTimeout: 5 * time.Second,
		TLSAddr:        ":8743",
		TLSHosts:       "localhost,127.0.0.1,::1",
	}
	if *c != want {
		t.Errorf("defaults:\n got %+v\nwant %+v", *c, want)
	}
	if c.Addr != ":8780" {
		t.Errorf("default address %q; the Dockerfile, examples and docs say :8780", c.Addr)
	}
	if c.MaxClockSkew != emulator.DefaultMaxClockSkew || c.MaxSessions != emulator.DefaultMaxSessions {
		t.Errorf("flag defaults drifted from the library: skew %v sessions %d", c.MaxClockSkew, c.MaxSessions)
	}
}

func TestParseConfigEnvAndFlags(t *testing.T) {
	tests := []struct {
		name  string
		env   []string
		args  []string
		check func(*config) bool
	}{
		{"env string", []string{"EMULATOR_ADDR=:9000"}, nil, func(c *config) bool { return c.Addr == ":9000" }},
		{"flag string", nil, []string{"--addr", "127.0.0.1:1"}, func(c *config) bool { return c.Addr == "127.0.0.1:1" }},
		{"flag beats env", []string{"EMULATOR_ADDR=:9000"}, []string{"-addr=:9001"}, func(c *config) bool { return c.Addr == ":9001" }},
		{"empty env = default", []string{"EMULATOR_ADDR="}, nil, func(c *config) bool { return c.Addr == ":8780" }},
		{"env bool", []string{"EMULATOR_TLS=true"}, nil, func(c *config) bool { return c.TLS }},
		{"env bool 1", []string{"EMULATOR_TLS=1"}, nil, func(c *config) bool { return c.TLS }},
		{"flag bool beats env", []string{"EMULATOR_TLS=true"}, []string{"--tls=false"}, func(c *config) bool { return !c.TLS }},
		{"env int", []string{"EMULATOR_MAX_SESSIONS=7"}, nil, func(c *config) bool { return c.MaxSessions == 7 }},
		{"flag int beats env", []string{"EMULATOR_MAX_SESSIONS=7"}, []string{"--max-sessions", "8"}, func(c *config) bool { return c.MaxSessions == 8 }},
		{"env duration", []string{"EMULATOR_READ_TIMEOUT=1500ms"}, nil, func(c *config) bool { return c.ReadTimeout == 1500*time.Millisecond }},
		{"env duration bare 0", []string{"EMULATOR_MAX_CLOCK_SKEW=0"}, nil, func(c *config) bool { return c.MaxClockSkew == 0 }},
		{"flag duration beats env", []string{"EMULATOR_SHUTDOWN_GRACE=9s"}, []string{"--shutdown-grace=1s"}, func(c *config) bool { return c.ShutdownGrace == time.Second }},
		{"env list kept verbatim", []string{"EMULATOR_SCENARIOS=/scenarios,/more"}, nil, func(c *config) bool { return c.Scenarios == "/scenarios,/more" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig("serve", tt.args, envMap(tt.env...), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("env %v args %v: got %+v", tt.env, tt.args, *c)
			}
		})
	}
}

func TestParseConfigBadValues(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		args    []string
		wantErr string // substring of the error
	}{
		{"bool env", []string{"EMULATOR_TLS=yes"}, nil, `EMULATOR_TLS="yes": not a boolean`},
		{"int env", []string{"EMULATOR_MAX_SESSIONS=many"}, nil, `EMULATOR_MAX_SESSIONS="many": not an integer`},
		{"duration env without unit", []string{"EMULATOR_READ_TIMEOUT=30"}, nil, `EMULATOR_READ_TIMEOUT="30"`},
		{"two bad env vars both reported", []string{"EMULATOR_TLS=yes", "EMULATOR_JOURNAL_SIZE=x"}, nil, "EMULATOR_JOURNAL_SIZE"},
		// A malformed variable is an error even when the flag overrides it:
		// the environment is wrong and would bite the next run without
		// the flag.
		{"bad env under a flag", []string{"EMULATOR_MAX_SESSIONS=x"}, []string{"--max-sessions=3"}, "EMULATOR_MAX_SESSIONS"},
		{"int flag", nil, []string{"--journal-size=lots"}, "invalid value"},
		{"duration flag", nil, []string{"--read-timeout=soon"}, "invalid value"},
		{"unknown flag", nil, []string{"--no-such-flag"}, "flag provided but not defined"},
		{"positional argument", nil, []string{"extra"}, "unexpected arguments: extra"},
		{"negative skew flag", nil, []string{"--max-clock-skew=-1s"}, "--max-clock-skew (EMULATOR_MAX_CLOCK_SKEW) must be between 1s and 24h0m0s (or 0), got -1s"},
		{"negative skew env", []string{"EMULATOR_MAX_CLOCK_SKEW=-5m"}, nil, "must be between 1s and 24h0m0s (or 0), got -5m0s"},
		// Every numeric setting has a range (issue 15).
		{"skew too large", []string{"EMULATOR_MAX_CLOCK_SKEW=25h"}, nil, "--max-clock-skew (EMULATOR_MAX_CLOCK_SKEW) must be between"},
		{"zero sessions", []string{"EMULATOR_MAX_SESSIONS=0"}, nil, "--max-sessions (EMULATOR_MAX_SESSIONS) must be between 1 and 10000000, got 0"},
		{"negative sessions", nil, []string{"--max-sessions=-5"}, "must be between 1 and 10000000, got -5"},
		{"too many sessions", []string{"EMULATOR_MAX_SESSIONS=100000000"}, nil, "got 100000000"},
		{"zero journal", []string{"EMULATOR_JOURNAL_SIZE=0"}, nil, "--journal-size (EMULATOR_JOURNAL_SIZE) must be between 1 and 1000000, got 0"},
		{"huge journal", nil, []string{"--journal-size=2000000"}, "got 2000000"},
		{"zero read timeout", []string{"EMULATOR_READ_TIMEOUT=0"}, nil, "--read-timeout (EMULATOR_READ_TIMEOUT) must be between 100ms and 1h0m0s, got 0s"},
		{"long read timeout", nil, []string{"--read-timeout=2h"}, "got 2h0m0s"},
		{"tiny reload interval", []string{"EMULATOR_RELOAD_INTERVAL=1ns"}, nil, "--reload-interval (EMULATOR_RELOAD_INTERVAL) must be between 10ms and 24h0m0s (or 0), got 1ns"},
		{"negative shutdown grace", nil, []string{"--shutdown-grace=-1s"}, "--shutdown-grace (EMULATOR_SHUTDOWN_GRACE) must be between 0s and 5m0s"},
		{"long shutdown grace", []string{"EMULATOR_SHUTDOWN_GRACE=1h"}, nil, "got 1h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			_, err := parseConfig("serve", tt.args, envMap(tt.env...), &out)
			if err == nil {
				t.Fatalf("env %v args %v: no error", tt.env, tt.args)
			}
			if msg := err.Error() + out.String(); !strings.Contains(msg, tt.wantErr) {
				t.Errorf("error %q (output %q) does not mention %q", err, out.String(), tt.wantErr)
			}
		})
	}
	if _, err := parseConfig("serve", []string{"-h"}, envMap(), io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp", err)
	}
}

// helpFlag is one flag of the --help listing.
type helpFlag struct {
	name, typ, env string
}

var (
	helpFlagLine = regexp.MustCompile(`^  -(\S+)(?: (\S+))?$`)
	helpEnvVar   = regexp.MustCompile(`\[(EMULATOR_[A-Z0-9_]+)\]`)
)

// parseHelp reads the flag listing of "emulator serve --help".
func parseHelp(t *testing.T, help string) []helpFlag {
	t.Helper()
	var flags []helpFlag
	sc := bufio.NewScanner(strings.NewReader(help))
	for sc.Scan() {
		if m := helpFlagLine.FindStringSubmatch(sc.Text()); m != nil {
			flags = append(flags, helpFlag{name: m[1], typ: m[2]})
			continue
		}
		if len(flags) > 0 && strings.HasPrefix(sc.Text(), "    \t") {
			if m := helpEnvVar.FindStringSubmatch(sc.Text()); m != nil {
				flags[len(flags)-1].env = m[1]
			}
		}
	}
	return flags
}

// TestEveryFieldHasFlagAndEnv asserts against the config struct: every
// field is set by exactly one flag, every flag names its EMULATOR_*
// variable in --help (EMULATOR_ + the flag name in upper case, - as _),
// the variable sets the same field, and the flag beats the variable.
func TestEveryFieldHasFlagAndEnv(t *testing.T) {
	var help strings.Builder
	if _, err := parseConfig("serve", []string{"--help"}, envMap(), &help); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	flags := parseHelp(t, help.String())
	fields := reflect.TypeFor[config]().NumField()
	if len(flags) != fields {
		t.Errorf("--help lists %d flags, config has %d fields:\n%s", len(flags), fields, help.String())
	}
	base, err := parseConfig("serve", nil, envMap(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]string{} // field -> flag
	for _, f := range flags {
		wantEnv := "EMULATOR_" + strings.ToUpper(strings.ReplaceAll(f.name, "-", "_"))
		if f.env != wantEnv {
			t.Errorf("flag -%s: variable %q, want %q", f.name, f.env, wantEnv)
			continue
		}
		var envVal, flagVal string
		switch f.typ {
		case "string":
			envVal, flagVal = "from-env", "from-flag"
		case "int":
			envVal, flagVal = "4242", "4343"
		case "duration":
			envVal, flagVal = "42s", "43s"
		case "": // bool
			envVal, flagVal = "true", "false"
		default:
			t.Errorf("flag -%s: unexpected type %q", f.name, f.typ)
			continue
		}
		fromEnv, err := parseConfig("serve", nil, envMap(f.env+"="+envVal), io.Discard)
		if err != nil {
			t.Errorf("%s=%s: %v", f.env, envVal, err)
			continue
		}
		changed := diffFields(*base, *fromEnv)
		if len(changed) != 1 {
			t.Errorf("%s=%s changed fields %v, want exactly one", f.env, envVal, changed)
			continue
		}
		field := changed[0]
		if prev, dup := covered[field]; dup {
			t.Errorf("field %s is set by both -%s and -%s", field, prev, f.name)
		}
		covered[field] = f.name

		both, err := parseConfig("serve", []string{"-" + f.name + "=" + flagVal}, envMap(f.env+"="+envVal), io.Discard)
		if err != nil {
			t.Errorf("-%s=%s: %v", f.name, flagVal, err)
			continue
		}
		got := reflect.ValueOf(*both).FieldByName(field).Interface()
		want := reflect.ValueOf(*fromFlagOnly(t, f.name, flagVal)).FieldByName(field).Interface()
		if got != want {
			t.Errorf("-%s=%s with %s=%s: %s = %v, want the flag's value %v", f.name, flagVal, f.env, envVal, field, got, want)
		}
	}
	rt := reflect.TypeFor[config]()
	for i := range rt.NumField() {
		if _, ok := covered[rt.Field(i).Name]; !ok {
			t.Errorf("config.%s has no flag/variable", rt.Field(i).Name)
		}
	}
}

func fromFlagOnly(t *testing.T, name, val string) *config {
	t.Helper()
	c, err := parseConfig("serve", []string{"-" + name + "=" + val}, envMap(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func diffFields(a, b config) []string {
	var out []string
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range va.NumField() {
		if va.Field(i).Interface() != vb.Field(i).Interface() {
			out = append(out, va.Type().Field(i).Name)
		}
	}
	return out
}

func TestOptionsFrom(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		wantErr string
		check   func(emulator.Options) bool
	}{
		{"defaults", nil, "", func(o emulator.Options) bool {
			return o.Credentials == nil && !o.NoClockSkewCheck && o.MaxClockSkew == 5*time.Minute &&
				o.Regions == nil && !o.AnyRegion && o.PublicURL == "" && o.ScenarioPaths == nil &&
				o.MaxSessions == 200000 && o.JournalSize == 1000 && o.Version == version && o.Logger != nil
		}},
		{"credentials", []string{"EMULATOR_CREDENTIALS=AKIDA:keyA, AKIDB:keyB:tok"}, "", func(o emulator.Options) bool {
			return reflect.DeepEqual(o.Credentials, []emulator.Credential{
				{SecretID: "AKIDA", SecretKey: "keyA"}, {SecretID: "AKIDB", SecretKey: "keyB", Token: "tok"},
			})
		}},
		{"bad credentials", []string{"EMULATOR_CREDENTIALS=AKIDONLY"}, "--credentials", nil},
		{"bad credentials keep the key secret", []string{"EMULATOR_CREDENTIALS=AKIDB::keyB"}, "--credentials", nil},
		{"skew 0 = no check", []string{"EMULATOR_MAX_CLOCK_SKEW=0"}, "", func(o emulator.Options) bool {
			return o.NoClockSkewCheck && o.MaxClockSkew == 0
		}},
		{"skew", []string{"EMULATOR_MAX_CLOCK_SKEW=90s"}, "", func(o emulator.Options) bool {
			return !o.NoClockSkewCheck && o.MaxClockSkew == 90*time.Second
		}},
		{"any region", []string{"EMULATOR_REGIONS= * "}, "", func(o emulator.Options) bool { return o.AnyRegion && o.Regions == nil }},
		{"region list", []string{"EMULATOR_REGIONS= ap-a ,,ap-b "}, "", func(o emulator.Options) bool {
			return !o.AnyRegion && reflect.DeepEqual(o.Regions, []string{"ap-a", "ap-b"})
		}},
		{"lists", []string{"EMULATOR_SCENARIOS=/scenarios, /more", "EMULATOR_HOST_ALIASES=faceid.intl.tencentcloudapi.com"}, "", func(o emulator.Options) bool {
			return reflect.DeepEqual(o.ScenarioPaths, []string{"/scenarios", "/more"}) &&
				reflect.DeepEqual(o.HostAliases, []string{"faceid.intl.tencentcloudapi.com"})
		}},
		{"public url", []string{"EMULATOR_PUBLIC_URL=http://localhost:8780"}, "", func(o emulator.Options) bool { return o.PublicURL == "http://localhost:8780" }},
		{"public url https", []string{"EMULATOR_PUBLIC_URL=https://kyc.test"}, "", func(o emulator.Options) bool { return o.PublicURL == "https://kyc.test" }},
		{"public url without scheme", []string{"EMULATOR_PUBLIC_URL=localhost:8780"}, "--public-url", nil},
		{"public url other scheme", []string{"EMULATOR_PUBLIC_URL=ftp://x"}, "--public-url", nil},
		{"passed through", []string{"EMULATOR_ADMIN_TOKEN=t0k", "EMULATOR_DATA_DIR=/data", "EMULATOR_MAX_SESSIONS=5", "EMULATOR_JOURNAL_SIZE=6"}, "", func(o emulator.Options) bool {
			return o.AdminToken == "t0k" && o.DataDir == "/data" && o.MaxSessions == 5 && o.JournalSize == 6
		}},
		{"shared store", []string{"EMULATOR_STORE=redis://valkey:6379/2", "EMULATOR_STORE_PASSWORD=pw"}, "", func(o emulator.Options) bool {
			return o.Store == "redis://valkey:6379/2" && o.StorePassword == "pw" && o.DataDir == ""
		}},
		{"shared store tls", []string{"EMULATOR_STORE=rediss://u:p@cache:6380/0"}, "", func(o emulator.Options) bool { return o.Store == "rediss://u:p@cache:6380/0" }},
		{"store other scheme", []string{"EMULATOR_STORE=memcached://x"}, "--store", nil},
		{"store and data dir", []string{"EMULATOR_STORE=redis://x:1/0", "EMULATOR_DATA_DIR=/data"}, "exclude each other", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig("serve", nil, envMap(tt.env...), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			log, err := newLogger(c, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			o, err := optionsFrom(c, log)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "keyA") || strings.Contains(err.Error(), "keyB") {
					t.Errorf("error leaks a SecretKey: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(o) {
				t.Errorf("options %+v", o)
			}
		})
	}
}

func TestNewLogger(t *testing.T) {
	for _, tt := range []struct {
		level, format string
		ok            bool
	}{
		{"info", "text", true}, {"debug", "json", true}, {"WARN", "text", true}, {"error", "json", true},
		{"verbose", "text", false}, {"info", "yaml", false},
	} {
		_, err := newLogger(&config{LogLevel: tt.level, LogFormat: tt.format}, io.Discard)
		if (err == nil) != tt.ok {
			t.Errorf("level %q format %q: err %v, want ok=%v", tt.level, tt.format, err, tt.ok)
		}
	}
}

func TestDialAddr(t *testing.T) {
	tests := []struct{ listen, want string }{
		{":8780", "127.0.0.1:8780"},
		{"0.0.0.0:8780", "127.0.0.1:8780"},
		{"[::]:8780", "127.0.0.1:8780"},
		{"[0:0::0]:1", "127.0.0.1:1"},
		{"localhost:8780", "127.0.0.1:8780"}, // no /etc/hosts in a scratch image
		{"LOCALHOST:8780", "127.0.0.1:8780"},
		{"127.0.0.1:9", "127.0.0.1:9"},
		{"[::1]:9", "[::1]:9"},
		{"10.1.2.3:8780", "10.1.2.3:8780"},
		{"faceid:8780", "faceid:8780"},
		{"8780", "8780"}, // not host:port: left alone, the dial reports it
	}
	for _, tt := range tests {
		if got := dialAddr(tt.listen); got != tt.want {
			t.Errorf("dialAddr(%q) = %q, want %q", tt.listen, got, tt.want)
		}
	}
}

// TestStoreSecretsNotInHelp: the store URL (which may carry a password)
// and the store password, given as variables, do not show in --help.
func TestStoreSecretsNotInHelp(t *testing.T) {
	var out strings.Builder
	_, err := parseConfig("serve", []string{"--help"}, envMap("EMULATOR_STORE=redis://:urlsecret@h:1/0", "EMULATOR_STORE_PASSWORD=pwsecret"), &out)
	if err == nil {
		t.Fatal("--help did not stop parsing")
	}
	for _, secret := range []string{"urlsecret", "pwsecret"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("--help shows %q", secret)
		}
	}
	if !strings.Contains(out.String(), "EMULATOR_STORE_PASSWORD") {
		t.Error("--help does not name EMULATOR_STORE_PASSWORD")
	}
}
