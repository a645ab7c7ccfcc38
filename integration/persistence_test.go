package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
)

// Persistence: with EMULATOR_DATA_DIR the sessions live in a bbolt file and
// survive a restart, including a kill -9 in the middle of a load. Whatever
// the emulator answered before it died is there after the restart: every
// session whose Apply was answered, with its Extra, and every completion
// answered 200, with its result. A completion whose answer was lost in the
// kill may or may not have been stored; both are accepted.

type persistSession struct {
	token, extra string
	completed    bool // the complete call was answered 200
}

// answeredLoad is clients Applying sessions in a loop, each on the
// process pick gives it, completing every other one through the control
// API, and remembering what was answered.
type answeredLoad struct {
	mu       sync.Mutex
	sessions map[string]*persistSession
	failed   map[*process]int // Applies not answered, by process
	stop     atomic.Bool
	wg       sync.WaitGroup
	applies  atomic.Int64
}

func startAnsweredLoad(clients int, prefix string, pick func(w int) *process) *answeredLoad {
	l := &answeredLoad{sessions: map[string]*persistSession{}, failed: map[*process]int{}}
	for w := 0; w < clients; w++ {
		l.wg.Add(1)
		go func(w int) {
			defer l.wg.Done()
			p := pick(w)
			c := goClient(p.target, credMain)
			for i := 0; !l.stop.Load(); i++ {
				extra := fmt.Sprintf("%s-w%d-%d", prefix, w, i)
				resp, err := call(c, "ApplyWebVerificationBizTokenIntl", map[string]any{
					"RedirectURL": "https://merchant.example/cb", "Extra": extra,
				})
				tok, _ := resp["BizToken"].(string)
				if err != nil || tok == "" {
					l.mu.Lock()
					l.failed[p]++ // the process may be gone
					l.mu.Unlock()
					continue
				}
				l.applies.Add(1)
				s := &persistSession{token: tok, extra: extra}
				l.mu.Lock()
				l.sessions[tok] = s
				l.mu.Unlock()
				if i%2 == 1 {
					continue // leave every other session pending
				}
				code, _, err := loadControl(http.MethodPost, p.BaseURL+"/_emulator/sessions/"+tok+"/complete", map[string]any{"ErrorCode": 0, "Similarity": 88.5})
				if err == nil && code == http.StatusOK {
					l.mu.Lock()
					s.completed = true
					l.mu.Unlock()
				}
			}
		}(w)
	}
	return l
}

// waitApplies waits until n Applies were answered (or within passed).
func (l *answeredLoad) waitApplies(n int64, within time.Duration) {
	deadline := time.Now().Add(within)
	for l.applies.Load() < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}

// finish stops the clients and returns the answered sessions.
func (l *answeredLoad) finish() map[string]*persistSession {
	l.stop.Store(true)
	l.wg.Wait()
	return l.sessions
}

// TestPersistKill9 runs with 8 clients and with 32, whose writes share
// group commits (many Applies and completions a transaction, each
// answered only once its transaction committed).
func TestPersistKill9(t *testing.T) {
	for _, clients := range []int{8, 32} {
		t.Run(fmt.Sprintf("%d-clients", clients), func(t *testing.T) { persistKill9(t, clients) })
	}
}

func persistKill9(t *testing.T, clients int) {
	dir := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, "EMULATOR_DATA_DIR="+dir)

	load := startAnsweredLoad(clients, "persist", func(int) *process { return p })
	// Kill in the middle of the load, once a good number of sessions exist.
	load.waitApplies(200, 15*time.Second)
	time.Sleep(200 * time.Millisecond)
	if err := p.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	p.done <- nil
	sessions := load.finish()

	completed := 0
	for _, s := range sessions {
		if s.completed {
			completed++
		}
	}
	t.Logf("killed with SIGKILL after %d answered Applies (%d answered completions)", len(sessions), completed)
	if len(sessions) < 50 {
		t.Fatalf("only %d Applies before the kill", len(sessions))
	}

	q := startBinary(t, "EMULATOR_DATA_DIR="+dir)
	c := goClient(q.target, credMain)
	var lost, wrong []string
	for _, s := range sessions {
		got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": s.token})
		if err != nil {
			lost = append(lost, fmt.Sprintf("%s: %v", s.token, err))
			continue
		}
		if got["Extra"] != s.extra {
			wrong = append(wrong, fmt.Sprintf("%s: Extra %v, want %s", s.token, got["Extra"], s.extra))
			continue
		}
		var sess struct {
			State  string
			Result *struct{ ErrorCode int }
		}
		code := controlJSON(t, http.MethodGet, q.BaseURL+"/_emulator/sessions/"+s.token, nil, &sess)
		if code != 200 {
			lost = append(lost, fmt.Sprintf("%s: control API %d", s.token, code))
			continue
		}
		if s.completed {
			if sess.State != "completed" || sess.Result == nil || sess.Result.ErrorCode != 0 || got["ErrorCode"] != float64(0) {
				wrong = append(wrong, fmt.Sprintf("%s: answered completion not kept: state %s, Get ErrorCode %v", s.token, sess.State, got["ErrorCode"]))
			}
			details, _ := got["VerificationDetailList"].([]any)
			if len(details) != 1 || details[0].(map[string]any)["Similarity"] != 88.5 {
				wrong = append(wrong, fmt.Sprintf("%s: VerificationDetailList %v", s.token, got["VerificationDetailList"]))
			}
		} else if sess.State != "pending" && sess.State != "completed" {
			wrong = append(wrong, fmt.Sprintf("%s: state %s", s.token, sess.State))
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d answered sessions lost, first: %v", len(lost), len(sessions), lost[:min(5, len(lost))])
	}
	if len(wrong) > 0 {
		t.Errorf("%d sessions wrong after the restart, first: %v", len(wrong), wrong[:min(5, len(wrong))])
	}

	// The restarted emulator goes on working on the same file.
	tok, _ := apply(t, c, map[string]any{"Extra": "after-restart"})
	if got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": tok}); err != nil || got["Extra"] != "after-restart" {
		t.Fatalf("Apply -> Get after the restart: %v %v", got, err)
	}
	var list struct{ Total int }
	controlJSON(t, http.MethodGet, q.BaseURL+"/_emulator/sessions?limit=1", nil, &list)
	if list.Total < len(sessions)+1 {
		t.Errorf("the restarted emulator lists %d sessions, want at least %d", list.Total, len(sessions)+1)
	}
}

// TestPersistRestart: a clean restart (SIGTERM) keeps sessions, their
// state and results; Reset on the control API empties the file too.
func TestPersistRestart(t *testing.T) {
	dir := t.TempDir()
	p := startBinary(t, "EMULATOR_DATA_DIR="+dir)
	c := goClient(p.target, credMain)
	done, _ := apply(t, c, map[string]any{"Extra": "done", "Config": map[string]any{"CheckMode": 1, "IDCardType": "HKIDCard"}})
	open, _ := apply(t, c, map[string]any{"Extra": "open"})
	other, _ := apply(t, goClient(p.target, credOther), map[string]any{"Extra": "other"})
	if code := controlJSON(t, http.MethodPost, p.BaseURL+"/_emulator/sessions/"+done+"/complete", map[string]any{"ErrorCode": 0}, nil); code != 200 {
		t.Fatalf("complete: %d", code)
	}
	first, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": done})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}

	q := startBinary(t, "EMULATOR_DATA_DIR="+dir)
	c = goClient(q.target, credMain)
	again, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": done})
	if err != nil {
		t.Fatal(err)
	}
	delete(first, "RequestId")
	delete(again, "RequestId")
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Errorf("completed result changed across the restart:\nbefore %s\nafter  %s", a, b)
	}
	if got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": open}); err != nil || got["Extra"] != "open" || got["ErrorCode"] != nil {
		t.Errorf("pending session after the restart: %v %v", got, err)
	}
	// Namespaces survive too: another SecretId still cannot read it.
	if _, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": other}); sdkCode(err) != catalog.BizTokenIllegal {
		t.Errorf("foreign token after the restart: %v", err)
	}
	if code := controlJSON(t, http.MethodPost, q.BaseURL+"/_emulator/reset", nil, nil); code != 200 {
		t.Fatalf("reset: %d", code)
	}
	if err := q.Stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
	r := startBinary(t, "EMULATOR_DATA_DIR="+dir)
	var list struct{ Total int }
	controlJSON(t, http.MethodGet, r.BaseURL+"/_emulator/sessions", nil, &list)
	if list.Total != 0 {
		t.Errorf("%d sessions after reset and restart", list.Total)
	}
}
