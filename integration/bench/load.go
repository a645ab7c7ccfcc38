package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

const (
	actionApply = "ApplyWebVerificationBizTokenIntl"
	actionGet   = "GetWebVerificationResultIntl"
	apiVersion  = "2018-03-01"
	region      = "ap-singapore"
)

// signer pre-signs raw HTTP/1.1 requests with the emulator's own signers.
// A request is signed once and replayed: TC3 has no nonce and the v1 Nonce
// is not checked for uniqueness (as in the real service), so replaying is
// valid for as long as the timestamp is inside the 5-minute window.
type signer struct {
	cred emulator.Credential
	host string // 127.0.0.1:port, the signed Host
}

// tc3 returns a raw TC3-HMAC-SHA256 POST application/json request.
func (s signer) tc3(action string, params map[string]any) []byte {
	body, _ := json.Marshal(params)
	return s.tc3Body(action, body)
}

func (s signer) tc3Body(action string, body []byte) []byte {
	ts := time.Now().Unix()
	const ct = "application/json"
	auth := emulator.AuthorizationTC3(s.cred.SecretID, s.cred.SecretKey, "POST", s.host, "", ct, body, ts, "faceid")
	var b bytes.Buffer
	b.Grow(len(body) + 512)
	fmt.Fprintf(&b, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n", s.host, ct, len(body))
	fmt.Fprintf(&b, "Authorization: %s\r\nX-TC-Action: %s\r\nX-TC-Version: %s\r\nX-TC-Timestamp: %d\r\n", auth, action, apiVersion, ts)
	fmt.Fprintf(&b, "X-TC-Region: %s\r\nX-TC-Language: en-US\r\nX-TC-RequestClient: SDK_GO_bench\r\n\r\n", region)
	b.Write(body)
	return b.Bytes()
}

// v1 returns a raw legacy-signature POST form request signed HmacSHA256.
func (s signer) v1(action string, params url.Values) []byte {
	extra := url.Values{}
	for k, v := range params {
		extra[k] = v
	}
	extra.Set("RequestClient", "SDK_NODEJS_bench")
	extra.Set("Language", "en-US")
	p := emulator.V1Request{
		SecretID: s.cred.SecretID, SecretKey: s.cred.SecretKey, Method: "POST", Host: s.host,
		Action: action, Version: apiVersion, Region: region,
		Timestamp: time.Now().Unix(), Nonce: "11886", Params: extra,
	}.Signed()
	body := p.Encode()
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", s.host, len(body), body)
	return b.Bytes()
}

// loadResult is one load run against one server.
type loadResult struct {
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	P50MS    float64 `json:"p50Ms"`
	P99MS    float64 `json:"p99Ms"`
	// ServerCPUus and ClientCPUus are the CPU time per request of the
	// server process and of the load generator: steadier than requests per
	// second on a machine shared with other work.
	ServerCPUus float64 `json:"serverCpuUsPerRequest,omitempty"`
	ClientCPUus float64 `json:"clientCpuUsPerRequest,omitempty"`
	// FirstError describes the first failed answer, if any.
	FirstError string `json:"firstError,omitempty"`
}

// conn is one keep-alive client connection speaking raw HTTP/1.1.
type conn struct {
	c    net.Conn
	br   *bufio.Reader
	body []byte
}

func dial(addr string) (*conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, br: bufio.NewReaderSize(c, 16<<10)}, nil
}

// do sends raw and reads one response; the body is valid until the next do.
func (c *conn) do(raw []byte) (status int, body []byte, err error) {
	if _, err := c.c.Write(raw); err != nil {
		return 0, nil, err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, err
	}
	length := -1
	for {
		line, err = c.br.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		if len(line) <= 2 {
			break
		}
		if len(line) > 15 && bytes.EqualFold(line[:15], []byte("Content-Length:")) {
			length, err = strconv.Atoi(string(bytes.TrimSpace(line[15:])))
			if err != nil {
				return 0, nil, err
			}
		}
	}
	if length < 0 {
		return 0, nil, errors.New("response without Content-Length")
	}
	if cap(c.body) < length {
		c.body = make([]byte, length)
	}
	c.body = c.body[:length]
	if _, err := ioReadFull(c.br, c.body); err != nil {
		return 0, nil, err
	}
	return status, c.body, nil
}

func ioReadFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (c *conn) close() { c.c.Close() }

// isAPIError reports an answer that is not a 200 success envelope.
func isAPIError(status int, body []byte) bool {
	return status != 200 || bytes.Contains(body, []byte(`"Error":`))
}

// loader replays one pre-signed request on keep-alive connections. Runs
// accumulate, so a load can be measured in slices interleaved with the
// other server's.
type loader struct {
	raw     []byte
	conns   []*conn
	lat     []time.Duration
	errs    int
	first   string
	elapsed time.Duration
	// CPU time spent by the server and by this process (the client) over
	// the recorded runs, when the caller measures it.
	serverCPU, clientCPU time.Duration
}

func newLoader(addr string, raw []byte, conns int) (*loader, error) {
	l := &loader{raw: raw}
	for i := 0; i < conns; i++ {
		c, err := dial(addr)
		if err != nil {
			l.close()
			return nil, err
		}
		l.conns = append(l.conns, c)
	}
	return l, nil
}

func (l *loader) close() {
	for _, c := range l.conns {
		c.close()
	}
}

// run replays the request on every connection for d, or until count
// requests are done when count > 0. With record false nothing is counted
// (warm-up).
func (l *loader) run(d time.Duration, count int, record bool) {
	var (
		stop atomic.Bool
		left atomic.Int64
		mu   sync.Mutex
		wg   sync.WaitGroup
	)
	left.Store(int64(count))
	begin := time.Now()
	for _, c := range l.conns {
		wg.Add(1)
		go func(c *conn) {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<12)
			bad := 0
			first := ""
			for !stop.Load() {
				if count > 0 && left.Add(-1) < 0 {
					break
				}
				t := time.Now()
				status, body, err := c.do(l.raw)
				if err != nil {
					bad++
					if first == "" {
						first = err.Error()
					}
					break
				}
				lat = append(lat, time.Since(t))
				if isAPIError(status, body) {
					bad++
					if first == "" {
						first = fmt.Sprintf("HTTP %d %s", status, truncate(body, 300))
					}
				}
			}
			if !record {
				return
			}
			mu.Lock()
			l.lat = append(l.lat, lat...)
			l.errs += bad
			if l.first == "" {
				l.first = first
			}
			mu.Unlock()
		}(c)
	}
	if count == 0 {
		time.Sleep(d)
		stop.Store(true)
	}
	wg.Wait()
	if record {
		l.elapsed += time.Since(begin)
	}
}

// reset forgets what the recorded runs measured (the connections stay).
func (l *loader) reset() {
	l.lat, l.errs, l.first, l.elapsed, l.serverCPU, l.clientCPU = l.lat[:0], 0, "", 0, 0, 0
}

func (l *loader) result() loadResult {
	slices.Sort(l.lat)
	r := loadResult{
		Requests:   len(l.lat),
		Errors:     l.errs,
		Seconds:    l.elapsed.Seconds(),
		P50MS:      ms(percentile(l.lat, 0.50)),
		P99MS:      ms(percentile(l.lat, 0.99)),
		FirstError: l.first,
	}
	if l.elapsed > 0 {
		r.RPS = float64(len(l.lat)) / l.elapsed.Seconds()
	}
	if n := len(l.lat); n > 0 {
		r.ServerCPUus = float64(l.serverCPU.Microseconds()) / float64(n)
		r.ClientCPUus = float64(l.clientCPU.Microseconds()) / float64(n)
	}
	return r
}

// runCount sends count requests from conns connections.
func runCount(addr string, raw []byte, conns, count int) (loadResult, error) {
	l, err := newLoader(addr, raw, conns)
	if err != nil {
		return loadResult{}, err
	}
	defer l.close()
	l.run(0, count, true)
	return l.result(), nil
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// once sends one request on a fresh connection and decodes Response.
func once(addr string, raw []byte) (map[string]any, time.Duration, error) {
	c, err := dial(addr)
	if err != nil {
		return nil, 0, err
	}
	defer c.close()
	t := time.Now()
	status, body, err := c.do(raw)
	d := time.Since(t)
	if err != nil {
		return nil, d, err
	}
	var env struct {
		Response map[string]any
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, d, fmt.Errorf("HTTP %d: %v: %s", status, err, truncate(body, 300))
	}
	if status != 200 || env.Response["Error"] != nil {
		return env.Response, d, fmt.Errorf("HTTP %d: %s", status, truncate(body, 300))
	}
	return env.Response, d, nil
}
