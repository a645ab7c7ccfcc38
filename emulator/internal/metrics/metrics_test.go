package metrics

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
)

func known(actions ...string) func(string) bool {
	return func(a string) bool {
		for _, k := range actions {
			if a == k {
				return true
			}
		}
		return false
	}
}

// scrape reads the exposition through the handler and parses it.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	w := httptest.NewRecorder()
	m.ServeHTTP(w, httptest.NewRequest("GET", "/_emulator/metrics", nil))
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(w.Body.String()))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, w.Body.String())
	}
	return fams
}

func value(f *dto.MetricFamily, labels ...string) (float64, bool) {
	for _, mt := range f.GetMetric() {
		got := []string{}
		for _, l := range mt.GetLabel() {
			got = append(got, l.GetName()+"="+l.GetValue())
		}
		want := slices.Sorted(slices.Values(labels))
		if slices.Sort(got); strings.Join(got, ",") != strings.Join(want, ",") {
			continue
		}
		switch {
		case mt.Counter != nil:
			return mt.Counter.GetValue(), true
		case mt.Gauge != nil:
			return mt.Gauge.GetValue(), true
		case mt.Histogram != nil:
			return float64(mt.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// Label values stay bounded whatever clients send: unknown actions share
// "other", scenario names past MaxScenarioLabels share "other".
func TestLabelsBounded(t *testing.T) {
	m := New(Config{})
	obs := m.Service("faceid", known("Apply"))
	for i := range 5000 {
		obs.Observe(api.Record{Action: fmt.Sprintf("Random%d", i), ErrorCode: "InvalidAction", Signature: "ok"})
	}
	obs.Observe(api.Record{Action: "Apply", Notes: []string{"scenario pass-0 (rule-id)", "unrelated note"}})
	for i := range MaxScenarioLabels + 50 {
		obs.Observe(api.Record{Action: "Apply", Notes: []string{fmt.Sprintf("scenario s%d (match)", i)}})
	}
	fams := scrape(t, m)
	if n := len(fams["emulator_api_requests_total"].GetMetric()); n != 3 { // other/InvalidAction, other/OK, Apply/OK
		t.Errorf("request series = %d, want 3", n)
	}
	if v, _ := value(fams["emulator_api_requests_total"], "action=other", "code=InvalidAction", "service=faceid"); v != 5000 {
		t.Errorf("other/InvalidAction = %v, want 5000", v)
	}
	if n := len(fams["emulator_scenario_selections_total"].GetMetric()); n != MaxScenarioLabels+1 {
		t.Errorf("scenario series = %d, want %d", n, MaxScenarioLabels+1)
	}
	if v, _ := value(fams["emulator_scenario_selections_total"], "scenario=other", "service=faceid"); v != 51 {
		t.Errorf("scenario other = %v, want 51 (the last 50 names and one past the bound)", v)
	}
	if v, _ := value(fams["emulator_scenario_selections_total"], "scenario=pass-0", "service=faceid"); v != 1 {
		t.Errorf("scenario pass-0 = %v, want 1", v)
	}
}

func TestCountersAndHooks(t *testing.T) {
	calls := 0
	m := New(Config{Sessions: func() map[string]map[string]int {
		calls++
		return map[string]map[string]int{"web": {"pending": 3, "completed": 2}}
	}, SessionsMaxAge: time.Hour})
	obs := m.Service("faceid", known("Get"))
	obs.Observe(api.Record{Action: "Get", Latency: 3 * time.Millisecond})
	obs.Observe(api.Record{Action: "Get", Fault: "http-502"})
	obs.Observe(api.Record{Action: "Get", Signature: "failed", ErrorCode: "AuthFailure.SignatureExpire"})
	obs.Observe(api.Record{Action: "Get", Notes: []string{"scenario we\"ird\\name\n2 (match)"}})
	m.IncEvictions(7)
	m.IncEvictions(0)
	m.ObserveWrite(2 * time.Millisecond)
	fams := scrape(t, m)
	scrape(t, m) // cached: the counter is not asked again
	cases := []struct {
		family string
		labels []string
		want   float64
	}{
		{"emulator_api_requests_total", []string{"action=Get", "code=OK", "service=faceid"}, 2},
		{"emulator_scenario_selections_total", []string{"scenario=we\"ird\\name\n2", "service=faceid"}, 1},
		{"emulator_api_requests_total", []string{"action=Get", "code=fault:http-502", "service=faceid"}, 1},
		{"emulator_api_requests_total", []string{"action=Get", "code=AuthFailure.SignatureExpire", "service=faceid"}, 1},
		{"emulator_signature_failures_total", []string{"reason=AuthFailure.SignatureExpire", "service=faceid"}, 1},
		{"emulator_api_request_duration_seconds", []string{"action=Get", "service=faceid"}, 4},
		{"emulator_session_evictions_total", nil, 7},
		{"emulator_store_write_duration_seconds", nil, 1},
		{"emulator_sessions", []string{"flow=web", "state=pending"}, 3},
		{"emulator_sessions", []string{"flow=web", "state=completed"}, 2},
	}
	for _, tc := range cases {
		if got, ok := value(fams[tc.family], tc.labels...); !ok || got != tc.want {
			t.Errorf("%s%v = %v (found %v), want %v", tc.family, tc.labels, got, ok, tc.want)
		}
	}
	if calls != 1 {
		t.Errorf("session counts asked %d times in two scrapes within SessionsMaxAge, want 1", calls)
	}
	// Two emulators in one process keep separate figures.
	if v, _ := value(scrape(t, New(Config{}))["emulator_session_evictions_total"]); v != 0 {
		t.Errorf("a new Metrics starts at %v evictions", v)
	}
}

// BenchmarkObserve is the cost the metrics add to every API request.
func BenchmarkObserve(b *testing.B) {
	m := New(Config{})
	obs := m.Service("faceid", known("ApplyWebVerificationBizTokenIntl"))
	rec := api.Record{Action: "ApplyWebVerificationBizTokenIntl", Signature: "ok", Latency: time.Millisecond,
		Notes: []string{"scenario default (global-default)"}}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			obs.Observe(rec)
		}
	})
}
