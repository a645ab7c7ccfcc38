package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// Server timeouts. ReadHeaderTimeout stops clients that never finish their
// headers; ReadTimeout (configurable) bounds a whole request, so a body
// that arrives slowly or never ends is cut off; IdleTimeout closes unused
// keep-alive connections. There is no WriteTimeout: scripted latency may
// hold an answer back on purpose.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 120 * time.Second
	sweepInterval     = time.Minute
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	c, err := parseConfig("serve", args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "emulator:", err)
		return 2
	}
	logOut := newBufferedLog(stderr)
	defer logOut.Flush()
	flushCtx, stopFlush := context.WithCancel(context.Background())
	defer stopFlush()
	go logOut.run(flushCtx)
	log, err := newLogger(c, logOut)
	if err != nil {
		fmt.Fprintln(stderr, "emulator:", err)
		return 2
	}
	opts, err := optionsFrom(c, log)
	if err != nil {
		fmt.Fprintln(stderr, "emulator:", err)
		return 2
	}
	srv, err := emulator.New(opts)
	if err != nil {
		fmt.Fprintln(stderr, "emulator:", err)
		return 1
	}
	defer srv.Close()

	// SIGHUP is caught before the listener answers health, so before
	// anything can report ready: a reload asked for while the scenarios
	// still load waits for the load instead of killing the process
	// (SIGHUP's default action), and one asked for once ready answers 200
	// is never lost (with SIGHUP ignored by the parent, as under nohup). One
	// queued before the loop below runs is served there.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		fmt.Fprintln(stderr, "emulator:", err)
		return 1
	}
	servers := []*http.Server{newHTTPServer(srv, c, log)}
	listeners := []net.Listener{ln}
	tlsInfo := ""
	if c.TLS {
		tlsLn, info, err := listenTLS(c)
		if err != nil {
			ln.Close()
			fmt.Fprintln(stderr, "emulator:", err)
			return 1
		}
		servers = append(servers, newHTTPServer(srv, c, log))
		listeners = append(listeners, tlsLn)
		tlsInfo = info
	}

	errc := make(chan error, len(servers))
	for i := range servers {
		go func(hs *http.Server, l net.Listener) { errc <- hs.Serve(l) }(servers[i], listeners[i])
	}
	srv.MarkServing()
	// Scenarios load in the background while the listener already answers
	// health; broken user files still stop the emulator here. A signal to
	// stop while they load is a graceful shutdown like any other (below):
	// calls in flight wait for the load and are answered.
	if err := srv.WaitScenarios(ctx); err != nil && ctx.Err() == nil {
		for _, hs := range servers {
			hs.Close()
		}
		fmt.Fprintln(stderr, "emulator:", err)
		return 1
	}
	if ctx.Err() == nil {
		banner(stdout, ln.Addr(), srv, c, tlsInfo)
	}
	// Parsing the scenario library and the specs leaves several MiB of
	// garbage; give it back to the OS now rather than keep it resident
	// (the idle RSS goal is 15 MiB). One GC at start-up, after ready.
	debug.FreeOSMemory()

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if c.ReloadInterval > 0 && c.Scenarios != "" {
		go srv.Loader().Watch(runCtx, c.ReloadInterval)
	}
	go sweep(runCtx, srv)
	go tuneGC(runCtx)

	for {
		select {
		case <-hup:
			changed, problems := srv.Loader().Reload()
			log.Info("SIGHUP: scenarios reloaded", "changed", changed, "problems", len(problems))
		case err := <-errc:
			if !errors.Is(err, http.ErrServerClosed) {
				fmt.Fprintln(stderr, "emulator:", err)
				return 1
			}
		case <-ctx.Done():
			log.Info("shutting down", "grace", c.ShutdownGrace)
			sctx, scancel := context.WithTimeout(context.Background(), c.ShutdownGrace)
			defer scancel()
			code := 0
			for _, hs := range servers {
				if err := hs.Shutdown(sctx); err != nil {
					log.Warn("shutdown", "err", err)
					hs.Close()
				}
			}
			return code
		}
	}
}

func newHTTPServer(h http.Handler, c *config, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       c.ReadTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
}

func sweep(ctx context.Context, srv *emulator.Server) {
	every(ctx, sweepInterval, func() { srv.Sweep() })
}

// every runs fn every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

func optionsFrom(c *config, log *slog.Logger) (emulator.Options, error) {
	o := emulator.Options{
		PublicURL:      c.PublicURL,
		HostAliases:    splitList(c.HostAliases),
		ScenarioPaths:  splitList(c.Scenarios),
		MaxSessions:    c.MaxSessions,
		JournalSize:    c.JournalSize,
		AdminToken:     c.AdminToken,
		AllowedOrigins: splitList(c.AllowedOrigins),
		WebhookAllow:   splitList(c.WebhookAllow),
		WebhookTimeout: c.WebhookTimeout,
		DataDir:        c.DataDir,
		Store:          c.Store,
		StorePassword:  c.StorePassword,
		Logger:         log,
		// Answer health before the scenario library is parsed: the cold
		// start a CI service's health check waits for.
		LoadScenariosInBackground: true,
		Version:                   version,
	}
	if c.Credentials != "" {
		creds, err := emulator.ParseCredentials(c.Credentials)
		if err != nil {
			return o, fmt.Errorf("--credentials: %w", err)
		}
		o.Credentials = creds
	}
	if c.MaxClockSkew == 0 {
		o.NoClockSkewCheck = true
	} else {
		o.MaxClockSkew = c.MaxClockSkew
	}
	switch strings.TrimSpace(c.Regions) {
	case "":
	case "*":
		o.AnyRegion = true
	default:
		o.Regions = splitList(c.Regions)
	}
	if c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		return o, fmt.Errorf("--public-url must start with http:// or https://")
	}
	if c.Store != "" {
		if !strings.HasPrefix(c.Store, "redis://") && !strings.HasPrefix(c.Store, "rediss://") {
			return o, fmt.Errorf("--store must be a redis:// or rediss:// URL")
		}
		if c.DataDir != "" {
			return o, fmt.Errorf("--store and --data-dir exclude each other: the shared store keeps the sessions")
		}
	}
	return o, nil
}

// banner tells the user where the emulator is and how to point an SDK at it.
// It prints the SecretKey only for the documented default credential.
func banner(w io.Writer, addr net.Addr, srv *emulator.Server, c *config, tlsInfo string) {
	host := addr.String()
	if tcp, ok := addr.(*net.TCPAddr); ok && (tcp.IP.IsUnspecified() || tcp.IP == nil) {
		host = fmt.Sprintf("127.0.0.1:%d", tcp.Port)
	}
	fmt.Fprintf(w, "faceid-emulator %s listening on http://%s\n", version, host)
	if tlsInfo != "" {
		fmt.Fprintln(w, tlsInfo)
	}
	for _, cred := range srv.Credentials() {
		if cred == emulator.DefaultCredential() {
			fmt.Fprintf(w, "  credentials: SecretId=%s SecretKey=%s (documented default)\n", cred.SecretID, cred.SecretKey)
		} else {
			kind := ""
			if cred.Token != "" {
				kind = " (temporary, token required)"
			}
			fmt.Fprintf(w, "  credentials: SecretId=%s SecretKey=<configured>%s\n", cred.SecretID, kind)
		}
	}
	fmt.Fprintf(w, "  scenarios:   %d loaded\n", len(srv.Scenarios().List()))
	if c.Store != "" {
		fmt.Fprintf(w, "  store:       %s (shared with every replica using it)\n", redactedURL(c.Store))
	}
	fmt.Fprintf(w, "  dashboard:   http://%s/_emulator/ui\n", host)
	fmt.Fprintf(w, "  SDK setup:   endpoint %q, scheme http (Go: HttpProfile.Endpoint + Scheme=\"http\"; Node: new HttpProfile(\"http://\", %q))\n", host, host)
}

// redactedURL hides the password of a store URL.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
