package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// The load test. CI runs it under the race detector (make race:
// `go test -race -run 'Load|...' ./integration/`), which is the point: 64
// clients drive every layer at once (signature cache, parameter decoding,
// scenario selection, store, journal, control API, clock).
//
// Apply and Get go through the official Go SDK client (goClient/call),
// which signs every request for real; its client-side cost is small next to
// the emulator's under the race detector, so nothing is pre-signed here.
// Completion goes through the control API over HTTP.

// loadDuration is how long the clients run: 5 s, 2 s with -short.
func loadDuration() time.Duration {
	if testing.Short() {
		return 2 * time.Second
	}
	return 5 * time.Second
}

// loadControl calls the control API without testing.T, for goroutines.
func loadControl(method, url string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// loadCycle is one finished Apply -> complete -> Get.
type loadCycle struct{ token, extra string }

// TestLoadCycles: 64 clients run Apply (unique Extra) -> Get (pending) ->
// complete (control API) -> Get (completed) for loadDuration. Zero errors;
// every Get answers the token's own Extra (no cross-talk); afterwards every
// token is still retrievable with its own Extra and result.
func TestLoadCycles(t *testing.T) {
	const clients = 64
	tg := inProcess(t, emulator.Options{})
	var (
		wg     sync.WaitGroup
		stop   atomic.Bool
		errs   atomic.Int64
		mu     sync.Mutex
		first  []string
		cycles = make([][]loadCycle, clients)
	)
	fail := func(format string, args ...any) {
		errs.Add(1)
		mu.Lock()
		if len(first) < 10 {
			first = append(first, fmt.Sprintf(format, args...))
		}
		mu.Unlock()
	}
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := goClient(tg, credMain)
			for i := 0; !stop.Load(); i++ {
				extra := fmt.Sprintf("load-w%02d-c%05d", w, i)
				resp, err := call(c, "ApplyWebVerificationBizTokenIntl", map[string]any{
					"RedirectURL": "https://merchant.example/cb?w=" + fmt.Sprint(w), "Extra": extra,
				})
				token, _ := resp["BizToken"].(string)
				if err != nil || token == "" {
					fail("Apply %s: %v %v", extra, resp, err)
					continue
				}
				got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
				if err != nil || got["Extra"] != extra || got["ErrorCode"] != nil {
					fail("Get pending %s (%s): Extra %v ErrorCode %v err %v", token, extra, got["Extra"], got["ErrorCode"], err)
					continue
				}
				code, body, err := loadControl(http.MethodPost, tg.BaseURL+"/_emulator/sessions/"+token+"/complete", map[string]any{"ErrorCode": 0})
				if err != nil || code != http.StatusOK {
					fail("complete %s: %d %s %v", token, code, body, err)
					continue
				}
				got, err = call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
				if err != nil || got["Extra"] != extra || got["ErrorCode"] != float64(0) {
					fail("Get completed %s (%s): Extra %v ErrorCode %v err %v", token, extra, got["Extra"], got["ErrorCode"], err)
					continue
				}
				cycles[w] = append(cycles[w], loadCycle{token, extra})
			}
		}(w)
	}
	time.Sleep(loadDuration())
	stop.Store(true)
	wg.Wait()

	total := 0
	for _, cs := range cycles {
		total += len(cs)
	}
	t.Logf("%d clients, %v: %d cycles (%.0f/s), %d errors", clients, loadDuration(), total, float64(total)/loadDuration().Seconds(), errs.Load())
	if errs.Load() > 0 {
		t.Fatalf("%d errors, first: %q", errs.Load(), first)
	}
	if total < clients {
		t.Fatalf("only %d cycles in %v", total, loadDuration())
	}

	// Every token, afterwards: its own Extra and result, and nothing lost.
	seen := map[string]bool{}
	var verify sync.WaitGroup
	sem := make(chan struct{}, 16)
	c := goClient(tg, credMain)
	for _, cs := range cycles {
		for _, cy := range cs {
			if seen[cy.token] {
				t.Fatalf("BizToken %s issued twice", cy.token)
			}
			seen[cy.token] = true
			verify.Add(1)
			sem <- struct{}{}
			go func(cy loadCycle) {
				defer verify.Done()
				defer func() { <-sem }()
				got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": cy.token})
				if err != nil || got["Extra"] != cy.extra || got["ErrorCode"] != float64(0) {
					fail("final Get %s (%s): %v %v", cy.token, cy.extra, got["Extra"], err)
				}
			}(cy)
		}
	}
	verify.Wait()
	if errs.Load() > 0 {
		t.Fatalf("%d tokens not retrievable with their own Extra, first: %q", errs.Load(), first)
	}
	if n := len(tg.Server.Sessions(emulator.SessionFilter{})); n != total {
		t.Errorf("store holds %d sessions after %d cycles", n, total)
	}
	recs := tg.Server.RequestsMatching(emulator.RequestFilter{Signature: "failed"})
	if len(recs) > 0 {
		t.Errorf("%d requests failed the signature check, first %+v", len(recs), recs[0])
	}
}

// TestLoadEviction: with MaxSessions 500 the store never holds more under
// concurrent Applies, the oldest sessions go first (their Get answers
// BizTokenIllegal), the newest stay.
func TestLoadEviction(t *testing.T) {
	const max, clients = 500, 16
	tg := inProcess(t, emulator.Options{MaxSessions: max})
	var (
		stop    atomic.Bool
		wg      sync.WaitGroup
		errs    atomic.Int64
		firstMu sync.Mutex
		first   string
		order   []string // tokens in the order their Apply was answered
		peak    atomic.Int64
	)
	monitorDone := make(chan struct{})
	go func() {
		defer close(monitorDone)
		for !stop.Load() {
			n := int64(len(tg.Server.Sessions(emulator.SessionFilter{})))
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := goClient(tg, credMain)
			for i := 0; !stop.Load(); i++ {
				resp, err := call(c, "ApplyWebVerificationBizTokenIntl", map[string]any{
					"RedirectURL": "https://merchant.example/cb", "Extra": fmt.Sprintf("evict-%d-%d", w, i),
				})
				token, _ := resp["BizToken"].(string)
				if err != nil || token == "" {
					errs.Add(1)
					firstMu.Lock()
					if first == "" {
						first = fmt.Sprintf("Apply: %v %v", resp, err)
					}
					firstMu.Unlock()
					continue
				}
				firstMu.Lock()
				order = append(order, token)
				firstMu.Unlock()
			}
		}(w)
	}
	// Until well past the capacity (bounded in time).
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		firstMu.Lock()
		n := len(order)
		firstMu.Unlock()
		if n >= 3*max {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	<-monitorDone
	if errs.Load() > 0 {
		t.Fatalf("%d Apply errors, first: %s", errs.Load(), first)
	}
	if len(order) < 2*max {
		t.Fatalf("only %d Applies in 20 s", len(order))
	}
	t.Logf("%d Applies, peak store size %d (capacity %d)", len(order), peak.Load(), max)
	if p := peak.Load(); p > max {
		t.Errorf("store held %d sessions, capacity %d", p, max)
	}
	if n := len(tg.Server.Sessions(emulator.SessionFilter{})); n != max {
		t.Errorf("store holds %d sessions at the end, want %d", n, max)
	}
	c := goClient(tg, credMain)
	for _, tok := range order[:10] {
		_, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": tok})
		if sdkCode(err) != catalog.BizTokenIllegal {
			t.Errorf("Get of an evicted (oldest) token: %v, want %s", err, catalog.BizTokenIllegal)
		}
	}
	// Answers were recorded in a slightly different order than the store
	// created them; the newest 400 are safely among the 500 kept.
	for _, tok := range order[len(order)-400:] {
		if _, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": tok}); err != nil {
			t.Fatalf("Get of a recent token %s: %v", tok, err)
		}
	}
}

// TestLoadSweep: sessions past their 3-day result window answer
// BizTokenExpired, and Server.Sweep (which the binary runs every minute)
// removes them once the extra day of grace has passed; newer sessions stay.
func TestLoadSweep(t *testing.T) {
	tg := inProcess(t, emulator.Options{})
	c := goClient(tg, credMain)
	var old []string
	for i := 0; i < 50; i++ {
		tok, _ := apply(t, c, map[string]any{"Extra": fmt.Sprint("old-", i)})
		old = append(old, tok)
	}
	if n := tg.Server.Sweep(); n != 0 {
		t.Fatalf("Sweep removed %d fresh sessions", n)
	}
	// Past the result lifetime (72 h): still stored, answered as expired.
	if code := controlJSON(t, http.MethodPost, tg.BaseURL+"/_emulator/clock", map[string]any{"advance": "73h"}, nil); code != 200 {
		t.Fatalf("clock advance: %d", code)
	}
	if _, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": old[0]}); sdkCode(err) != catalog.BizTokenExpired {
		t.Errorf("Get after 73 h: %v, want %s", err, catalog.BizTokenExpired)
	}
	if n := tg.Server.Sweep(); n != 0 {
		t.Errorf("Sweep within the grace day removed %d", n)
	}
	// Past lifetime + grace (96 h): swept. Sessions created now stay.
	if code := controlJSON(t, http.MethodPost, tg.BaseURL+"/_emulator/clock", map[string]any{"advance": "24h"}, nil); code != 200 {
		t.Fatalf("clock advance: %d", code)
	}
	fresh, _ := apply(t, c, map[string]any{"Extra": "fresh"})
	before := len(tg.Server.Sessions(emulator.SessionFilter{}))
	n := tg.Server.Sweep()
	after := len(tg.Server.Sessions(emulator.SessionFilter{}))
	t.Logf("sweep: %d -> %d sessions (%d removed)", before, after, n)
	if n != len(old) || after != 1 || before != len(old)+1 {
		t.Errorf("Sweep removed %d (store %d -> %d), want %d removed and the fresh one kept", n, before, after, len(old))
	}
	if _, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": old[0]}); sdkCode(err) != catalog.BizTokenIllegal {
		t.Errorf("Get of a swept token: %v, want %s", err, catalog.BizTokenIllegal)
	}
	if got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": fresh}); err != nil || got["Extra"] != "fresh" {
		t.Errorf("Get of the fresh token: %v %v", got, err)
	}
}
