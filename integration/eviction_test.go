package integration

import (
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// Eviction is never silent: with EMULATOR_MAX_SESSIONS at 3, five Applies
// through the official Go SDK evict the two oldest sessions; their tokens
// still answer InvalidParameterValue.BizTokenIllegal, but with a message
// naming the cap, while a token that never existed gets the documented
// message; the control API counts the evictions, the journal has a note
// and the binary's log a line.
func TestEvictionVisible(t *testing.T) {
	const max = 3
	targets := []struct {
		name string
		tg   func(t *testing.T) (*target, func() string)
	}{
		{"in-process", func(t *testing.T) (*target, func() string) {
			return inProcess(t, emulator.Options{MaxSessions: max}), nil
		}},
		{"in-process-bbolt", func(t *testing.T) (*target, func() string) {
			return inProcess(t, emulator.Options{MaxSessions: max, DataDir: filepath.Join(t.TempDir(), "data")}), nil
		}},
		{"binary", func(t *testing.T) (*target, func() string) {
			p := startBinary(t, "EMULATOR_MAX_SESSIONS=3")
			return p.target, func() string { return p.Stdout.String() + p.Stderr.String() }
		}},
	}
	for _, tc := range targets {
		t.Run(tc.name, func(t *testing.T) {
			tg, logs := tc.tg(t)
			c := goClient(tg, credMain)
			var toks, pages []string
			for i := 0; i < max+2; i++ {
				tok, page := apply(t, c, map[string]any{"Extra": "evict"})
				toks, pages = append(toks, tok), append(pages, page)
			}
			for i, tok := range toks {
				_, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": tok})
				if i >= 2 {
					if err != nil {
						t.Errorf("session %d of %d (kept) answered %v", i+1, len(toks), err)
					}
					continue
				}
				var e *tcerr.TencentCloudSDKError
				if !errors.As(err, &e) || e.Code != "InvalidParameterValue.BizTokenIllegal" {
					t.Fatalf("evicted session %d answered %v, want InvalidParameterValue.BizTokenIllegal", i+1, err)
				}
				if !strings.Contains(e.Message, "evicted") || !strings.Contains(e.Message, "EMULATOR_MAX_SESSIONS=3") {
					t.Errorf("evicted session %d: message %q does not say that EMULATOR_MAX_SESSIONS=3 evicted it", i+1, e.Message)
				}
			}
			_, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": "5C4A7E1F-0B7D-4C52-9F3A-2D1E0C9B8A77"})
			var e *tcerr.TencentCloudSDKError
			if !errors.As(err, &e) || e.Code != "InvalidParameterValue.BizTokenIllegal" || strings.Contains(e.Message, "EMULATOR_MAX_SESSIONS") {
				t.Errorf("a token that never existed answered %v, want BizTokenIllegal with the documented message", err)
			}

			// The browser sees it too: the evicted session's page says the
			// emulator removed it (410), a link that never existed is 404.
			for _, pg := range []struct {
				url, title string
				status     int
			}{
				{pages[0], "Verification removed by the emulator", http.StatusGone},
				{strings.Replace(pages[0], toks[0], "5C4A7E1F-0B7D-4C52-9F3A-2D1E0C9B8A77", 1), "Verification not found", http.StatusNotFound},
			} {
				resp, err := http.Get(pg.url)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
				resp.Body.Close()
				if resp.StatusCode != pg.status || !strings.Contains(string(body), pg.title) {
					t.Errorf("GET %s: %d, want %d with %q", pg.url, resp.StatusCode, pg.status, pg.title)
				}
			}

			var list struct{ Total, Evicted int }
			if code := controlJSON(t, http.MethodGet, tg.BaseURL+"/_emulator/sessions?limit=10", nil, &list); code != 200 || list.Total != max || list.Evicted != 2 {
				t.Errorf("GET /_emulator/sessions: %d Total %d Evicted %d, want Total %d Evicted 2", code, list.Total, list.Evicted, max)
			}
			// The metrics count them too (parsed with the Prometheus text
			// parser), and a disk store's writes have a latency.
			code, body := metricsGet(t, tg, "", "")
			parser := expfmt.NewTextParser(model.UTF8Validation)
			families, err := parser.TextToMetricFamilies(strings.NewReader(body))
			if code != 200 || err != nil {
				t.Fatalf("metrics: %d %v", code, err)
			}
			if f := families["emulator_session_evictions_total"]; f == nil {
				t.Error("metrics: no emulator_session_evictions_total")
			} else if v, _ := sampleValue(f, map[string]string{}); v != 2 {
				t.Errorf("metrics: emulator_session_evictions_total %v, want 2", v)
			}
			if strings.Contains(tc.name, "bbolt") {
				writes, _ := sampleValue(families["emulator_store_write_duration_seconds"], map[string]string{})
				if writes < max+2 {
					t.Errorf("metrics: %v persistent writes timed, want at least %d", writes, max+2)
				}
			}
			var reqs struct {
				Requests []struct {
					Method, Path, Action, Token string
					Notes                       []string
				}
			}
			controlJSON(t, http.MethodGet, tg.BaseURL+"/_emulator/requests?action="+emulator.EvictionAction, nil, &reqs)
			// The first eviction is noted at once; the second, less than
			// 10 s later, waits for the next notice.
			if len(reqs.Requests) != 1 {
				t.Fatalf("journal: %d eviction notes, want 1: %+v", len(reqs.Requests), reqs.Requests)
			}
			note := reqs.Requests[0]
			if note.Method != "EVENT" || note.Token != toks[0] || len(note.Notes) != 1 ||
				!strings.Contains(note.Notes[0], "1 session(s) evicted") || !strings.Contains(note.Notes[0], "EMULATOR_MAX_SESSIONS=3") {
				t.Errorf("journal note %+v: want an EVENT naming the first evicted token, its count and the cap", note)
			}
			if logs != nil {
				waitFor(t, 5*time.Second, "the binary's eviction log line", func() bool { return strings.Contains(logs(), "sessions evicted") })
				if out := logs(); !strings.Contains(out, "maxSessions=3") {
					t.Errorf("the binary's log has no eviction line:\n%s", out)
				}
			}
		})
	}
}
