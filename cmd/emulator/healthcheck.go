package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthTimeout bounds the whole check, so a container HEALTHCHECK never
// hangs.
const healthTimeout = 2 * time.Second

// healthcheck asks the emulator at the configured address for its health.
// It needs no curl or shell, so it works in a scratch image.
func healthcheck(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	c, err := parseConfig("healthcheck", args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "emulator:", err)
		return 2
	}
	url := "http://" + dialAddr(c.Addr) + "/_emulator/health"
	ctx, cancel := context.WithTimeout(context.Background(), healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintln(stderr, "unhealthy:", err)
		return 1
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "unhealthy:", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "unhealthy: status", resp.Status)
		return 1
	}
	fmt.Fprintln(stdout, "healthy")
	return 0
}

// dialAddr turns a listen address into one to dial: an empty or wildcard
// host means this machine.
func dialAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
