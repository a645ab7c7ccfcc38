package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// The metrics route after a scripted mix of SDK calls: every counter of the
// exposition (parsed with the Prometheus text parser) equals what was sent,
// the dashboard's JSON twin carries the same figures, and the route needs
// the admin token like the other control routes.
func TestMetricsCountWhatWasSent(t *testing.T) {
	const admin = "metrics-admin-token"
	t.Run("in-process", func(t *testing.T) {
		metricsMix(t, inProcess(t, emulator.Options{AdminToken: admin}), admin)
	})
	t.Run("binary", func(t *testing.T) {
		metricsMix(t, startBinary(t, "EMULATOR_ADMIN_TOKEN="+admin).target, admin)
	})
}

const (
	mApply = "ApplyWebVerificationBizTokenIntl"
	mGet   = "GetWebVerificationResultIntl"
)

func metricsMix(t *testing.T, tg *target, admin string) {
	c := goClient(tg, credMain)
	var tokens []string
	for range 4 {
		tok, _ := apply(t, c, nil) // the default scenario
		tokens = append(tokens, tok)
	}
	for range 2 {
		tok, _ := apply(t, c, map[string]any{"RuleId": "retry-then-pass"})
		tokens = append(tokens, tok)
	}
	wantCode := func(action string, params map[string]any, cl *common.Client, code string) {
		t.Helper()
		_, err := call(cl, action, params)
		if got := sdkCode(err); got != code {
			t.Fatalf("%s %v: code %q (%v), want %q", action, params, got, err, code)
		}
	}
	main := c
	wantCode(mApply, map[string]any{"RuleId": "api-apply-unauthorizedoperation-arrears", "RedirectURL": "https://m.example/"}, main, "UnauthorizedOperation.Arrears")
	wantCode(mApply, map[string]any{}, main, "MissingParameter")
	for _, tok := range tokens[:3] {
		if _, err := call(c, mGet, map[string]any{"BizToken": tok}); err != nil {
			t.Fatalf("Get: %v", err)
		}
	}
	for range 2 {
		wantCode(mGet, map[string]any{"BizToken": "00000000-0000-4000-8000-000000000000"}, main, "InvalidParameterValue.BizTokenIllegal")
	}
	wrongKey := goClient(tg, emulator.Credential{SecretID: credMain.SecretID, SecretKey: "not-the-key"})
	for range 2 {
		wantCode(mGet, map[string]any{"BizToken": tokens[0]}, wrongKey, "AuthFailure.SignatureFailure")
	}
	unknownID := goClient(tg, emulator.Credential{SecretID: "AKIDNOBODY000000000000000000000000", SecretKey: "k"})
	wantCode(mApply, map[string]any{"RedirectURL": "https://m.example/"}, unknownID, "AuthFailure.SecretIdNotFound")
	for i := range 3 { // actions nobody serves share the "other" series
		wantCode(fmt.Sprintf("NoSuchAction%d", i), map[string]any{}, main, "InvalidAction")
	}
	if code := controlJSON(t, http.MethodPost, tg.BaseURL+"/_emulator/sessions/"+tokens[0]+"/complete?secretId="+credMain.SecretID,
		map[string]any{"ErrorCode": 0}, nil); code != 401 {
		t.Fatalf("complete without the admin token: %d, want 401", code)
	}
	req, _ := http.NewRequest(http.MethodPost, tg.BaseURL+"/_emulator/sessions/"+tokens[0]+"/complete", strings.NewReader(`{"ErrorCode":0}`))
	req.Header.Set("Authorization", "Bearer "+admin)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("complete: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// Without the token the route is refused like every control route.
	if code, _ := metricsGet(t, tg, "", ""); code != 401 {
		t.Errorf("metrics without the admin token: %d, want 401", code)
	}
	code, body := metricsGet(t, tg, admin, "")
	if code != 200 {
		t.Fatalf("metrics: %d %s", code, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parsing the exposition: %v\n%s", err, body)
	}
	svc := map[string]string{"service": "faceid"}
	with := func(base map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	cases := []struct {
		family string
		labels map[string]string
		want   float64
	}{
		{"emulator_api_requests_total", with(svc, "action", mApply, "code", "OK"), 6},
		{"emulator_api_requests_total", with(svc, "action", mApply, "code", "UnauthorizedOperation.Arrears"), 1},
		{"emulator_api_requests_total", with(svc, "action", mApply, "code", "MissingParameter"), 1},
		{"emulator_api_requests_total", with(svc, "action", mApply, "code", "AuthFailure.SecretIdNotFound"), 1},
		{"emulator_api_requests_total", with(svc, "action", mGet, "code", "OK"), 3},
		{"emulator_api_requests_total", with(svc, "action", mGet, "code", "InvalidParameterValue.BizTokenIllegal"), 2},
		{"emulator_api_requests_total", with(svc, "action", mGet, "code", "AuthFailure.SignatureFailure"), 2},
		{"emulator_api_requests_total", with(svc, "action", "other", "code", "InvalidAction"), 3},
		{"emulator_api_request_duration_seconds", with(svc, "action", mApply), 9},
		{"emulator_api_request_duration_seconds", with(svc, "action", mGet), 7},
		{"emulator_api_request_duration_seconds", with(svc, "action", "other"), 3},
		{"emulator_signature_failures_total", with(svc, "reason", "AuthFailure.SignatureFailure"), 2},
		{"emulator_signature_failures_total", with(svc, "reason", "AuthFailure.SecretIdNotFound"), 1},
		{"emulator_scenario_selections_total", with(svc, "scenario", "default"), 4},
		{"emulator_scenario_selections_total", with(svc, "scenario", "retry-then-pass"), 2},
		{"emulator_scenario_selections_total", with(svc, "scenario", "api-apply-unauthorizedoperation-arrears"), 1},
		{"emulator_sessions", map[string]string{"flow": "web", "state": "pending"}, 5},
		{"emulator_sessions", map[string]string{"flow": "web", "state": "completed"}, 1},
		{"emulator_session_evictions_total", map[string]string{}, 0},
	}
	for _, tc := range cases {
		got, ok := sampleValue(families[tc.family], tc.labels)
		if !ok {
			t.Errorf("%s%v: no such series", tc.family, tc.labels)
			continue
		}
		if got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.family, tc.labels, got, tc.want)
		}
	}
	// Every request counted once: the sum over codes and actions is what
	// was sent (6+1+1+1 Apply, 3+2+2 Get, 3 unknown).
	total := 0.0
	for _, m := range families["emulator_api_requests_total"].GetMetric() {
		total += m.GetCounter().GetValue()
	}
	if total != 19 {
		t.Errorf("requests in all = %v, want 19", total)
	}
	if families["emulator_api_requests_total"].GetType() != dto.MetricType_COUNTER ||
		families["emulator_api_request_duration_seconds"].GetType() != dto.MetricType_HISTOGRAM ||
		families["emulator_sessions"].GetType() != dto.MetricType_GAUGE {
		t.Error("metric types are not counter / histogram / gauge")
	}

	// The JSON twin the dashboard reads carries the same figures.
	code, raw := metricsGet(t, tg, admin, "?format=json")
	var twin struct {
		Families []struct {
			Name    string
			Samples []struct {
				Labels map[string]string
				Value  float64
			}
		}
	}
	if code != 200 || json.Unmarshal([]byte(raw), &twin) != nil {
		t.Fatalf("JSON twin: %d %s", code, raw)
	}
	for _, f := range twin.Families {
		for _, s := range f.Samples {
			want, ok := sampleValue(families[f.Name], s.Labels)
			if !ok || want != s.Value && f.Name != "emulator_api_request_duration_seconds" && f.Name != "emulator_store_write_duration_seconds" {
				t.Errorf("JSON twin %s%v = %v, exposition %v (found %v)", f.Name, s.Labels, s.Value, want, ok)
			}
		}
	}
}

// metricsGet reads /_emulator/metrics with an optional bearer token.
func metricsGet(t *testing.T, tg *target, token, query string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, tg.BaseURL+"/_emulator/metrics"+query, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 && query == "" {
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
			t.Errorf("Content-Type %q, want the text format 0.0.4", ct)
		}
	}
	return resp.StatusCode, string(data)
}

// sampleValue returns the value of the series with exactly these labels:
// a counter's or gauge's value, a histogram's sample count.
func sampleValue(f *dto.MetricFamily, labels map[string]string) (float64, bool) {
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		match := true
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}
