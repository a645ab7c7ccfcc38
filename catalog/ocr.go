package catalog

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:embed ocr-results.json
var ocrResultsJSON []byte

// OCRAction is what Tencent documents of the outcomes of one ocr
// 2018-11-19 action (ocr-results.json).
type OCRAction struct {
	// Warnings are the codes of the response's warning member, if any.
	Warnings *OCRWarnings `json:"warnings,omitempty"`
	// Pass is a realistic recognised answer, if the action reads a card.
	Pass *OCRPass `json:"pass,omitempty"`
	// Errors are the action-specific API error codes.
	Errors OCRErrors `json:"errors"`
}

// OCRWarnings is the warning member of an ocr answer and its codes.
type OCRWarnings struct {
	// Field is the member (WarnCardInfos, WarnInfo); Type its items' type
	// ("int" or "string").
	Field string       `json:"field"`
	Type  string       `json:"type"`
	Codes []FlowResult `json:"codes"`
}

// OCRPass is a passing answer: response members over Tencent's example.
type OCRPass struct {
	Response map[string]any `json:"response"`
	Source   string         `json:"source"`
}

// OCRErrors lists the API error codes an action documents.
type OCRErrors struct {
	Codes  []string `json:"codes"`
	Source string   `json:"source"`
}

// ocrActions is parsed from the embedded table on first use (only the
// library generator and tests read it: the emulator's start-up and idle
// memory do not pay for it) and never changed.
var ocrActions = sync.OnceValue(func() map[string]OCRAction {
	var file struct {
		Actions map[string]OCRAction `json:"actions"`
	}
	if err := json.Unmarshal(ocrResultsJSON, &file); err != nil {
		panic(fmt.Sprintf("catalog: ocr-results.json: %v", err))
	}
	return file.Actions
})

//go:embed ocr-flows.json
var ocrFlowsJSON []byte

// ocrFlows is parsed on first use from its own small file: the scenario
// checks look flows up while the library loads.
var ocrFlows = sync.OnceValue(func() map[string]OCRFlow {
	var file struct {
		Flows map[string]OCRFlow `json:"flows"`
	}
	if err := json.Unmarshal(ocrFlowsJSON, &file); err != nil {
		panic(fmt.Sprintf("catalog: ocr-flows.json: %v", err))
	}
	for k, f := range file.Flows {
		f.Key = k
		file.Flows[k] = f
	}
	return file.Flows
})

// OCRFlow is an ocr token flow's status table (ocr-flows.json; the
// card-verification flow, "cardverify"): a Flow whose codes are the result action's Status
// values, with what the emulator infers where Tencent documents nothing
// (the callback body, the token errors, the token's lifetime).
type OCRFlow struct {
	Flow
	Webhook struct {
		Body   string `json:"body"`
		Source string `json:"source"`
	} `json:"webhook"`
	TokenErrors struct {
		Illegal string `json:"illegal"`
		Expired string `json:"expired"`
		Source  string `json:"source"`
	} `json:"tokenErrors"`
	ResultLifetime       string `json:"resultLifetime"`
	ResultLifetimeSource string `json:"resultLifetimeSource"`
}

// LookupOCRFlow returns an ocr token flow's table.
func LookupOCRFlow(key string) (OCRFlow, bool) {
	f, ok := ocrFlows()[key]
	return f, ok
}

// LookupOCR returns the documented outcomes of an ocr action.
func LookupOCR(action string) (OCRAction, bool) {
	a, ok := ocrActions()[action]
	return a, ok
}

// OCRActionNames lists the ocr actions of the table, sorted.
func OCRActionNames() []string {
	out := make([]string, 0, len(ocrActions()))
	for k := range ocrActions() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

//go:embed ocr-images/*.png
var ocrImages embed.FS

// OCRImage returns the sample picture of an outcome (OCRImageName), which
// the shipped scenario library's ocr scenarios match by its SHA-256: a
// merchant sends it to any document action to get that outcome. The files
// are committed bytes (catalog/ocr-images), so their hashes never change.
func OCRImage(name string) ([]byte, bool) {
	b, err := ocrImages.ReadFile("ocr-images/" + name + ".png")
	return b, err == nil
}

// OCRImageName names the sample picture of an outcome: "pass", "warn" and
// the warning code ("warn-9102"), or "error-" and the API error code in
// lower case with other characters as '-'
// ("error-failedoperation-imageblur").
func OCRImageName(kind, code string) string {
	switch kind {
	case "pass":
		return "pass"
	case "warn":
		return "warn" + code
	}
	var b strings.Builder
	b.WriteString("error-")
	for _, r := range strings.ToLower(code) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}
