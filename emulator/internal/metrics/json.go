package metrics

import (
	"encoding/json"
	"net/http"
)

// JSON is the dashboard's twin of the exposition: the same families and
// series, with a histogram's sample count as its value.
type JSON struct {
	Families []FamilyJSON `json:"families"`
}

// FamilyJSON is one metric family.
type FamilyJSON struct {
	Name    string       `json:"name"`
	Help    string       `json:"help"`
	Type    string       `json:"type"` // counter, gauge, histogram
	Samples []SampleJSON `json:"samples"`
}

// SampleJSON is one series: its labels and value (a counter's or gauge's
// value, a histogram's count, with its sum in seconds).
type SampleJSON struct {
	Labels map[string]string `json:"labels,omitempty"`
	Value  float64           `json:"value"`
	Sum    float64           `json:"sum,omitempty"`
}

// Snapshot returns every family's current figures.
func (m *Metrics) Snapshot() JSON {
	m.mu.Lock()
	all := append([]series(nil), m.series...)
	m.mu.Unlock()
	byFamily := map[string][]SampleJSON{}
	for _, s := range all {
		smp := SampleJSON{}
		if len(s.labels) > 0 {
			smp.Labels = map[string]string{}
			for i := 0; i+1 < len(s.labels); i += 2 {
				smp.Labels[s.labels[i]] = s.labels[i+1]
			}
		}
		if s.counter != nil {
			smp.Value = float64(s.counter.Get())
		} else {
			smp.Value = float64(s.hist.count.Load())
			smp.Sum = float64(s.hist.nanos.Load()) / 1e9
		}
		byFamily[s.family] = append(byFamily[s.family], smp)
	}
	for _, s := range m.sessionSamples() {
		byFamily[famSessions] = append(byFamily[famSessions], SampleJSON{
			Labels: map[string]string{"flow": s.flow, "state": s.state}, Value: float64(s.n)})
	}
	out := JSON{Families: make([]FamilyJSON, 0, len(m.families))}
	for _, f := range m.families {
		samples := byFamily[f.name]
		if samples == nil {
			samples = []SampleJSON{}
		}
		out.Families = append(out.Families, FamilyJSON{Name: f.name, Help: f.help, Type: f.typ, Samples: samples})
	}
	return out
}

func (m *Metrics) serveJSON(w http.ResponseWriter) {
	data, _ := json.Marshal(m.Snapshot())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(append(data, '\n'))
}
