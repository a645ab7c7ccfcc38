package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// healthTimeout bounds the whole check, so a container HEALTHCHECK never
// hangs.
const healthTimeout = 2 * time.Second

// healthcheck asks the emulator at the configured address for its health.
// It needs no curl or shell, so it works in a scratch image. It reads the
// same flags and EMULATOR_* variables as serve (only the address matters),
// so a container's HEALTHCHECK follows EMULATOR_ADDR.
//
// Exit codes follow Docker's HEALTHCHECK contract: 0 healthy, 1 unhealthy.
// Docker reserves 2, so a configuration error (which would also stop the
// server from starting) is reported as unhealthy too.
func healthcheck(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	c, err := parseConfig("healthcheck", args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "unhealthy: emulator:", err)
		return 1
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
// host (0.0.0.0, ::, ...) means this machine. "localhost" is dialled as
// 127.0.0.1 as well: a scratch image has no /etc/hosts to resolve it.
func dialAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(host); host == "" || strings.EqualFold(host, "localhost") || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
