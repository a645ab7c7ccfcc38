// Package webhook delivers the callbacks a flow sends to the merchant (the
// card-verification flow's WebhookUrl): real HTTP POSTs with bounded
// timeouts, bounded retries with exponential backoff on timers, a bounded
// queue and a bounded number of concurrent deliveries, a setting that
// limits where callbacks may go (checked on the URL and on the resolved
// address; redirects are not followed), and a bounded list of deliveries
// for the control API. Every attempt and its answer is reported to an
// observer (the request journal). Close stops it cleanly.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/ids"
)

// Defaults of Config.
const (
	DefaultTimeout   = 5 * time.Second
	DefaultQueueSize = 1000
	DefaultWorkers   = 4
	DefaultKeep      = 1000
	// maxAnswer bounds how much of a merchant's answer is read.
	maxAnswer = 64 << 10
	// maxBody bounds a callback body.
	maxBody = 8 << 20
)

// DefaultBackoff is the wait before each retry: 3 retries, 1 s, 2 s, 4 s.
func DefaultBackoff() []time.Duration {
	return []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
}

// Delivery statuses.
const (
	StatusQueued    = "queued"    // waiting for a worker
	StatusRetrying  = "retrying"  // an attempt failed; the next is scheduled
	StatusDelivered = "delivered" // the merchant answered 2xx
	StatusFailed    = "failed"    // every attempt failed
	StatusRefused   = "refused"   // the allow setting rules the URL out: nothing was sent
	StatusDropped   = "dropped"   // the queue was full, or the emulator closed
)

// Config configures a Dispatcher.
type Config struct {
	// Allow limits destinations (nil = every http(s) URL).
	Allow *Allow
	// Timeout bounds one attempt (connect, send, answer); 0 = DefaultTimeout.
	Timeout time.Duration
	// Backoff are the waits before each retry; nil = DefaultBackoff; an
	// empty non-nil slice = no retry.
	Backoff []time.Duration
	// QueueSize bounds waiting deliveries; Workers concurrent ones; Keep
	// the deliveries listed. 0 = the defaults.
	QueueSize, Workers, Keep int
	// IDs makes delivery ids.
	IDs *ids.Source
	// Observe receives a journal record per attempt (nil = none).
	Observe func(api.Record)
	// Now is the time shown in deliveries (real time: retries run on real
	// timers, as a network does).
	Now    func() time.Time
	Logger *slog.Logger
}

// Delivery is one callback and how it went, as GET /_emulator/webhooks
// lists it.
type Delivery struct {
	ID       string `json:"id"`
	URL      string `json:"url"`
	Token    string `json:"token"`
	Flow     string `json:"flow,omitempty"`
	SecretID string `json:"secretId,omitempty"`
	// Attempt is the number of the last attempt made (0 = none yet).
	Attempt        int        `json:"attempt"`
	Status         string     `json:"status"`
	SentAt         *time.Time `json:"sentAt,omitempty"`
	ResponseStatus int        `json:"responseStatus,omitempty"`
	Error          string     `json:"error,omitempty"`
	// ResendOf is the delivery this one re-sends.
	ResendOf  string    `json:"resendOf,omitempty"`
	CreatedAt time.Time `json:"createdAt"`

	body    []byte
	byName  bool
	waitFor func(context.Context) bool
}

// Message is what a flow hands the dispatcher.
type Message struct {
	URL, Token, Flow, SecretID string
	Body                       []byte
	// Ready, when set, is waited for (bounded by the attempt timeout)
	// before the first attempt: the session change the callback reports
	// is stored.
	Ready func(context.Context) bool
}

// ErrNotFound is a resend of an unknown delivery.
var ErrNotFound = errors.New("webhook: no such delivery")

// Dispatcher sends callbacks. It is safe for concurrent use.
type Dispatcher struct {
	cfg    Config
	client *http.Client
	queue  chan *Delivery
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	list   []*Delivery // oldest first, at most Keep
	byID   map[string]*Delivery
	timers map[*time.Timer]struct{}
	closed bool
}

type byNameKey struct{}

// New starts a Dispatcher's workers.
func New(cfg Config) *Dispatcher {
	if cfg.Allow == nil {
		cfg.Allow, _ = ParseAllow("")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff()
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.Keep <= 0 {
		cfg.Keep = DefaultKeep
	}
	if cfg.IDs == nil {
		cfg.IDs = ids.NewSource()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	allow := cfg.Allow
	dialer := &net.Dialer{
		Timeout: cfg.Timeout,
		// The resolved address is checked here, after DNS, so a name that
		// resolves into a range the setting rules out is refused.
		ControlContext: func(ctx context.Context, _, address string, _ syscall.RawConn) error {
			if byName, _ := ctx.Value(byNameKey{}).(bool); byName {
				return nil
			}
			return allow.checkIP(address)
		},
	}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		Proxy:                 nil, // a proxy would hide the destination from the allow check
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConns:          cfg.Workers,
		IdleConnTimeout:       30 * time.Second,
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Dispatcher{
		cfg: cfg,
		client: &http.Client{
			Transport: transport,
			Timeout:   cfg.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse // a redirect could lead anywhere
			},
		},
		queue:  make(chan *Delivery, cfg.QueueSize),
		ctx:    ctx,
		cancel: cancel,
		byID:   map[string]*Delivery{},
		timers: map[*time.Timer]struct{}{},
	}
	for range cfg.Workers {
		d.wg.Add(1)
		go d.work()
	}
	return d
}

// Send queues a callback and returns its delivery (a copy). A URL the
// allow setting rules out is recorded as refused and nothing is sent.
func (d *Dispatcher) Send(m Message) Delivery {
	del := &Delivery{URL: m.URL, Token: m.Token, Flow: m.Flow, SecretID: m.SecretID, body: m.Body, waitFor: m.Ready}
	return d.start(del)
}

func (d *Dispatcher) start(del *Delivery) Delivery {
	del.ID = d.cfg.IDs.Upper()
	del.CreatedAt = d.cfg.Now()
	_, byName, err := d.cfg.Allow.checkURL(del.URL)
	if err == nil && len(del.body) > maxBody {
		err = fmt.Errorf("callback body of %d bytes exceeds %d", len(del.body), maxBody)
	}
	d.mu.Lock()
	d.keep(del)
	if err != nil {
		del.Status, del.Error = StatusRefused, err.Error()
		out := *del
		d.mu.Unlock()
		d.observe(out, 0)
		return out
	}
	del.byName = byName
	del.Status = StatusQueued
	d.mu.Unlock()
	d.enqueue(del)
	d.mu.Lock()
	defer d.mu.Unlock()
	return *del
}

// keep adds del to the bounded list (d.mu held).
func (d *Dispatcher) keep(del *Delivery) {
	d.list = append(d.list, del)
	d.byID[del.ID] = del
	if len(d.list) > d.cfg.Keep {
		delete(d.byID, d.list[0].ID)
		d.list = d.list[1:]
	}
}

func (d *Dispatcher) enqueue(del *Delivery) {
	d.mu.Lock()
	closed := d.closed
	d.mu.Unlock()
	if !closed {
		select {
		case d.queue <- del:
			return
		default:
		}
	}
	d.mu.Lock()
	del.Status, del.Error = StatusDropped, "the delivery queue is full or closed"
	out := *del
	d.mu.Unlock()
	d.observe(out, 0)
}

func (d *Dispatcher) work() {
	defer d.wg.Done()
	for {
		select {
		case <-d.ctx.Done():
			return
		case del := <-d.queue:
			d.attempt(del)
		}
	}
}

// attempt makes one attempt and schedules the next on failure.
func (d *Dispatcher) attempt(del *Delivery) {
	if del.waitFor != nil {
		ctx, cancel := context.WithTimeout(d.ctx, d.cfg.Timeout)
		del.waitFor(ctx)
		cancel()
		del.waitFor = nil
	}
	start := d.cfg.Now()
	d.mu.Lock()
	del.Attempt++
	n := del.Attempt
	t := start
	del.SentAt = &t
	d.mu.Unlock()

	status, err := d.post(del)
	elapsed := d.cfg.Now().Sub(start)

	d.mu.Lock()
	del.ResponseStatus = status
	del.Error = ""
	if err != nil {
		del.Error = err.Error()
	}
	retry := false
	switch {
	case err == nil:
		del.Status = StatusDelivered
	case n <= len(d.cfg.Backoff) && !d.closed:
		del.Status = StatusRetrying
		retry = true
	default:
		del.Status = StatusFailed
	}
	out := *del
	if retry {
		var tm *time.Timer
		tm = time.AfterFunc(d.cfg.Backoff[n-1], func() {
			d.mu.Lock()
			delete(d.timers, tm)
			d.mu.Unlock()
			d.enqueue(del)
		})
		d.timers[tm] = struct{}{}
	}
	d.mu.Unlock()
	d.observe(out, elapsed)
	d.cfg.Logger.Info("webhook", "id", out.ID, "token", out.Token, "attempt", out.Attempt, "status", out.Status,
		"responseStatus", out.ResponseStatus, "err", out.Error)
}

// post sends the body once; a 2xx answer is success.
func (d *Dispatcher) post(del *Delivery) (int, error) {
	ctx := context.WithValue(d.ctx, byNameKey{}, del.byName)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, del.URL, bytes.NewReader(del.body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "faceid-emulator-webhook")
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the merchant answered HTTP %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// observe hands a journal record of the delivery's latest step.
func (d *Dispatcher) observe(del Delivery, elapsed time.Duration) {
	if d.cfg.Observe == nil {
		return
	}
	rec := api.Record{
		Time: d.cfg.Now(), RequestID: del.ID, Method: http.MethodPost, Path: del.URL,
		Action: "Webhook", Service: "webhook", SecretID: del.SecretID, Signature: "skipped",
		Token: del.Token, Flow: del.Flow, Latency: elapsed, LatencyMS: float64(elapsed.Microseconds()) / 1000,
		Message: "attempt " + strconv.Itoa(del.Attempt) + ": " + del.Status,
	}
	if del.ResponseStatus != 0 {
		rec.Message += ", HTTP " + strconv.Itoa(del.ResponseStatus)
	}
	if del.Status != StatusDelivered && del.Status != StatusQueued {
		rec.ErrorCode = "Webhook." + del.Status
		rec.Notes = []string{del.Error}
	}
	d.cfg.Observe(rec)
}

// List returns copies of the kept deliveries, oldest first; with
// token set only that session's.
func (d *Dispatcher) List(token string) []Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Delivery, 0, len(d.list))
	for _, del := range d.list {
		if token == "" || del.Token == token {
			out = append(out, *del)
		}
	}
	return out
}

// Resend sends a kept delivery's body again as a new delivery.
func (d *Dispatcher) Resend(id string) (Delivery, error) {
	d.mu.Lock()
	old, ok := d.byID[id]
	var del *Delivery
	if ok {
		del = &Delivery{URL: old.URL, Token: old.Token, Flow: old.Flow, SecretID: old.SecretID, body: old.body, ResendOf: old.ID}
	}
	d.mu.Unlock()
	if !ok {
		return Delivery{}, ErrNotFound
	}
	return d.start(del), nil
}

// Close stops the timers and workers and aborts attempts in flight; later
// sends are dropped.
func (d *Dispatcher) Close() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = true
	for tm := range d.timers {
		tm.Stop()
	}
	d.timers = nil
	d.mu.Unlock()
	d.cancel()
	d.wg.Wait()
	d.client.CloseIdleConnections()
}
