package scenarios

import (
	"slices"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/catalog"
)

func TestResolve(t *testing.T) {
	type att struct {
		code, live int
		cmp        *int
		sim        float64
		tags       []string
	}
	ptr := func(i int) *int { return &i }
	f := func(v float64) *float64 { return &v }
	s := func(v string) *string { return &v }
	tests := []struct {
		name string
		sc   Scenario
		opts ResolveOptions
		code int
		msg  string
		want []att
	}{
		{"empty attempts = one pass", Scenario{}, ResolveOptions{Compare: true}, 0, catalog.PassMessageOnTheWire,
			[]att{{0, 0, ptr(0), DefaultPassSimilarity, nil}}},
		{"liveness only (CheckMode 3)", Scenario{}, ResolveOptions{}, 0, catalog.PassMessageOnTheWire,
			[]att{{0, 0, nil, 0, nil}}},
		{"process-level result has no attempts", Scenario{Result: &Result{ErrorCode: ptr(1410)}}, ResolveOptions{Compare: true}, 1410,
			"User exited voluntarily", nil},
		{"liveness result without attempts = one failing attempt", Scenario{Result: &Result{ErrorCode: ptr(1201)}}, ResolveOptions{Compare: true}, 1201,
			"The lighting is too dim", []att{{1201, 1201, nil, 0, nil}}},
		{"compare result without attempts = one comparison failure", Scenario{Result: &Result{ErrorCode: ptr(2016)}}, ResolveOptions{Compare: true}, 2016,
			catalog.ResultMessage(2016), []att{{2016, 0, ptr(2016), DefaultLowSimilarity, nil}}},
		{"system result without attempts = none", Scenario{Result: &Result{ErrorCode: ptr(4)}}, ResolveOptions{Compare: true}, 4,
			"Internal service error", nil},
		{"OCR only runs no attempt", Scenario{Attempts: []Attempt{{Liveness: 1002}}}, ResolveOptions{OCROnly: true}, 0,
			catalog.PassMessageOnTheWire, nil},
		{"OCR only keeps a result code", Scenario{Result: &Result{ErrorCode: ptr(1410)}}, ResolveOptions{OCROnly: true}, 1410,
			"User exited voluntarily", nil},
		{"result 0 keeps one passing attempt", Scenario{Result: &Result{ErrorCode: ptr(0)}}, ResolveOptions{Compare: true}, 0,
			catalog.PassMessageOnTheWire, []att{{0, 0, ptr(0), DefaultPassSimilarity, nil}}},
		{"liveness failure", Scenario{Attempts: []Attempt{{Liveness: 1002, LivenessInfoTag: []string{"03"}}}}, ResolveOptions{Compare: true}, 1002,
			"Suspected spoofed recording.", []att{{1002, 1002, nil, 0, nil}}},
		{"tags with PLUS", Scenario{Attempts: []Attempt{{Liveness: 1002, LivenessInfoTag: []string{"03"}}}}, ResolveOptions{Plus: true}, 1002,
			"Suspected spoofed recording.", []att{{1002, 1002, nil, 0, []string{"03"}}}},
		{"compare 2016 default similarity", Scenario{Attempts: []Attempt{{Compare: ptr(2016)}}}, ResolveOptions{Compare: true}, 2016,
			catalog.ResultMessage(2016), []att{{2016, 0, ptr(2016), DefaultLowSimilarity, nil}}},
		{"compare ignored without comparison", Scenario{Attempts: []Attempt{{Compare: ptr(2016), Similarity: f(10)}}}, ResolveOptions{}, 0,
			catalog.PassMessageOnTheWire, []att{{0, 0, nil, 0, nil}}},
		{"other compare code similarity 0", Scenario{Attempts: []Attempt{{Compare: ptr(2012)}}}, ResolveOptions{Compare: true}, 2012,
			"Multiple faces detected", []att{{2012, 0, ptr(2012), 0, nil}}},
		{"explicit similarity", Scenario{Attempts: []Attempt{{Similarity: f(99.25)}}}, ResolveOptions{Compare: true}, 0,
			catalog.PassMessageOnTheWire, []att{{0, 0, ptr(0), 99.25, nil}}},
		{"attempt errorCode override", Scenario{Attempts: []Attempt{{Liveness: 1002, ErrorCode: ptr(4)}}}, ResolveOptions{}, 4,
			"Internal service error", []att{{4, 1002, nil, 0, nil}}},
		{"last attempt decides", Scenario{Attempts: []Attempt{{Liveness: 1002}, {}}}, ResolveOptions{Compare: true}, 0,
			catalog.PassMessageOnTheWire, []att{{1002, 1002, nil, 0, nil}, {0, 0, ptr(0), DefaultPassSimilarity, nil}}},
		{"result message override", Scenario{Result: &Result{ErrorMsg: s("custom")}}, ResolveOptions{}, 0, "custom",
			[]att{{0, 0, nil, 0, nil}}},
		{"retry limit cuts and gives 16", Scenario{Attempts: []Attempt{{Liveness: 1002}, {Liveness: 1005}, {}}}, ResolveOptions{RetryLimit: 2}, 16,
			"Retry limit has been reached", []att{{1002, 1002, nil, 0, nil}, {1005, 1005, nil, 0, nil}}},
		{"retry limit not reached", Scenario{Attempts: []Attempt{{Liveness: 1002}}}, ResolveOptions{RetryLimit: 3}, 1002,
			"Suspected spoofed recording.", []att{{1002, 1002, nil, 0, nil}}},
		{"result code beats retry limit", Scenario{Attempts: []Attempt{{Liveness: 1002}}, Result: &Result{ErrorCode: ptr(1410)}}, ResolveOptions{RetryLimit: 1}, 1410,
			"User exited voluntarily", []att{{1002, 1002, nil, 0, nil}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := tc.sc.Resolve(tc.opts)
			if out.ErrorCode != tc.code || out.ErrorMsg != tc.msg {
				t.Errorf("final %d %q, want %d %q", out.ErrorCode, out.ErrorMsg, tc.code, tc.msg)
			}
			if len(out.Attempts) != len(tc.want) {
				t.Fatalf("%d attempts, want %d", len(out.Attempts), len(tc.want))
			}
			for i, w := range tc.want {
				a := out.Attempts[i]
				if a.ErrorCode != w.code || a.LivenessErrorCode != w.live || a.Similarity != w.sim || !slices.Equal(a.LivenessInfoTag, w.tags) {
					t.Errorf("attempt %d = %+v, want %+v", i, a, w)
				}
				if (a.CompareErrorCode == nil) != (w.cmp == nil) || a.CompareErrorCode != nil && *a.CompareErrorCode != *w.cmp {
					t.Errorf("attempt %d compare %v, want %v", i, a.CompareErrorCode, w.cmp)
				}
				if (a.CompareErrorMsg == nil) != (a.CompareErrorCode == nil) {
					t.Errorf("attempt %d: CompareErrorMsg and CompareErrorCode disagree on null", i)
				}
				if a.ErrorMsg != catalog.ResultMessage(a.ErrorCode) || a.LivenessErrorMsg != catalog.ResultMessage(a.LivenessErrorCode) {
					t.Errorf("attempt %d messages %q / %q", i, a.ErrorMsg, a.LivenessErrorMsg)
				}
			}
		})
	}
}

func TestDefaultsAccessors(t *testing.T) {
	var m Media
	var c Completion
	var o *OCR
	if m.BestFrameSource() != MediaSample || m.VideoSource() != MediaSample || c.EffectiveMode() != CompletionManual || !o.Pass() {
		t.Error("zero-value defaults")
	}
	no := false
	if (&OCR{IsPass: &no}).Pass() {
		t.Error("IsPass false")
	}
	sc := &Scenario{API: map[string]APIBehavior{ActionAny: {Times: 1, Fault: FaultHTTP502}, ActionGet: {Latency: Duration(5)}}}
	if b, _ := sc.Behavior(ActionGet); b.Fault != "" || b.Latency != 5 {
		t.Errorf("specific entry must win without merging: %+v", b)
	}
	if b, ok := sc.Behavior(ActionApply); !ok || b.Fault != FaultHTTP502 {
		t.Errorf("* entry: %+v %v", b, ok)
	}
	if _, ok := (&Scenario{}).Behavior(ActionApply); ok {
		t.Error("behaviour without API")
	}
}
