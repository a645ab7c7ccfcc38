package integration

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// TestScriptedStatelessAction: the README's scenario makes
// CompareFaceLiveness fail for one request and pass for the next, in one
// emulator, selected by a match rule on a request parameter; an API error
// scripted for the first call only is answered once.
func TestScriptedStatelessAction(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "scenarios.yaml")
	if err := os.WriteFile(file, []byte(`scenarios:
  - name: face-mismatch
    for: CompareFaceLiveness
    match: {params: {ValidateData: {exact: "4,3"}}}
    api:
      CompareFaceLiveness:
        response: {Result: FailedOperation.CompareLowSimilarity, Description: "The comparison similarity did not reach the passing standard.", Sim: 42.5}
  - name: throttled-once
    for: CompareFaceLiveness
    match: {params: {ValidateData: {exact: "4,2"}}}
    api:
      CompareFaceLiveness: {error: {code: RequestLimitExceeded}, times: 1}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	tg := inProcess(t, emulator.Options{ScenarioPaths: []string{file}})
	c := goClient(tg, credMain)
	req := func(validate string) map[string]any {
		return map[string]any{"ImageBase64": jpegBase64, "VideoBase64": "AAAAGGZ0eXBtcDQy", "LivenessType": "SILENT", "ValidateData": validate}
	}
	for i, tc := range []struct {
		validate, result, code string
	}{
		{"4,3", "FailedOperation.CompareLowSimilarity", ""},
		{"", "Success", ""},
		{"4,2", "", "RequestLimitExceeded"},
		{"4,2", "Success", ""},
		{"4,3", "FailedOperation.CompareLowSimilarity", ""},
	} {
		resp, err := call(c, "CompareFaceLiveness", req(tc.validate))
		if tc.code != "" {
			if sdkCode(err) != tc.code {
				t.Errorf("call %d (%q): err %v, want %s", i, tc.validate, err, tc.code)
			}
			continue
		}
		if err != nil {
			t.Fatalf("call %d (%q): %v", i, tc.validate, err)
		}
		if resp["Result"] != tc.result {
			t.Errorf("call %d (%q): Result %v, want %s", i, tc.validate, resp["Result"], tc.result)
		}
		if tc.result != "Success" && resp["Sim"] != 42.5 {
			t.Errorf("call %d: Sim %v, want the scripted 42.5", i, resp["Sim"])
		}
	}
}
