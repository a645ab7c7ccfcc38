package metrics

import (
	"encoding/json"
	"net/http"

	dto "github.com/prometheus/client_model/go"
)

// JSON is the dashboard's twin of the exposition: the same families and
// samples the text format carries, gathered from the same registry.
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

// SampleJSON is one series: its labels and value (counters, gauges), or
// its count, sum and cumulative buckets (histograms).
type SampleJSON struct {
	Labels  map[string]string `json:"labels,omitempty"`
	Value   float64           `json:"value"`
	Count   uint64            `json:"count,omitempty"`
	Sum     float64           `json:"sum,omitempty"`
	Buckets []BucketJSON      `json:"buckets,omitempty"`
}

// BucketJSON is one cumulative histogram bucket.
type BucketJSON struct {
	LE    float64 `json:"le"`
	Count uint64  `json:"count"`
}

// Snapshot gathers every family.
func (m *Metrics) Snapshot() (JSON, error) {
	mfs, err := m.reg.Gather()
	out := JSON{Families: make([]FamilyJSON, 0, len(mfs))}
	for _, mf := range mfs {
		f := FamilyJSON{Name: mf.GetName(), Help: mf.GetHelp(), Type: familyType(mf.GetType())}
		for _, mt := range mf.GetMetric() {
			s := SampleJSON{}
			if lp := mt.GetLabel(); len(lp) > 0 {
				s.Labels = make(map[string]string, len(lp))
				for _, l := range lp {
					s.Labels[l.GetName()] = l.GetValue()
				}
			}
			switch {
			case mt.Counter != nil:
				s.Value = mt.Counter.GetValue()
			case mt.Gauge != nil:
				s.Value = mt.Gauge.GetValue()
			case mt.Histogram != nil:
				h := mt.Histogram
				s.Count, s.Sum = h.GetSampleCount(), h.GetSampleSum()
				s.Value = float64(s.Count)
				for _, b := range h.GetBucket() {
					s.Buckets = append(s.Buckets, BucketJSON{LE: b.GetUpperBound(), Count: b.GetCumulativeCount()})
				}
			}
			f.Samples = append(f.Samples, s)
		}
		out.Families = append(out.Families, f)
	}
	return out, err
}

func familyType(t dto.MetricType) string {
	switch t {
	case dto.MetricType_COUNTER:
		return "counter"
	case dto.MetricType_GAUGE:
		return "gauge"
	case dto.MetricType_HISTOGRAM:
		return "histogram"
	}
	return "untyped"
}

func (m *Metrics) serveJSON(w http.ResponseWriter) {
	snap, err := m.Snapshot()
	status := http.StatusOK
	if err != nil && len(snap.Families) == 0 {
		status = http.StatusInternalServerError
	}
	data, _ := json.Marshal(snap)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}
