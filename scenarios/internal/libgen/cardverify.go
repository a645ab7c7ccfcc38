package libgen

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/faceid-emulator/faceid-emulator/catalog"
)

// cardVerifyFile is the library of the card-verification flow
// (ApplyCardVerificationExternal → GetCardVerificationExternalResult): one
// scenario per documented Status, per documented WarnInfo value and per
// documented API error of the result action, from the catalogue.
func cardVerifyFile() (file, error) {
	const kind, result = "cardverify", "GetCardVerificationExternalResult"
	f := file{
		name: "cardverify.yaml",
		header: `The card-verification flow (cardverify: ApplyCardVerificationExternal → GetCardVerificationExternalResult),
one scenario per documented Status (cardverify-status-<status>), WarnInfo value (cardverify-warn-<value>) and
API error of the result action (cardverify-error-<code>), from catalog/ocr-flows.json and ocr-results.json. Completion is auto:
the first result call ends the processing (and sends the WebhookUrl callback). The pass and the errors are
also selected by their sample picture (catalog/ocr-images/pass.png, error-<code>.png) sent as the front image;
the others by name (PUT /_emulator/sessions/{token}/scenario) or defaultFor.`,
	}
	table, ok := catalog.LookupOCRFlow(kind)
	if !ok {
		return f, fmt.Errorf("no %s table in the catalogue", kind)
	}
	a, ok := catalog.LookupOCR(result)
	if !ok || a.Warnings == nil {
		return f, fmt.Errorf("no %s outcomes in the catalogue", result)
	}
	match := func(picture string) (kv, error) {
		img, ok := catalog.OCRImage(picture)
		if !ok {
			return kv{}, fmt.Errorf("no sample picture %s.png", picture)
		}
		sum := sha256.Sum256(img)
		return kv{"match", flowMapping(kv{"imageSha256", str(hex.EncodeToString(sum[:]))})}, nil
	}
	add := func(name, desc string, body ...kv) {
		f.items = append(f.items, mapping(append(append([]kv{{"name", str(name)}, {"description", str(desc)},
			{"for", str(kind)}}, body...), completion("auto"))...))
	}
	for _, c := range table.Codes {
		if c.Category == "process" {
			continue // PROCESSING is the state before any outcome
		}
		body := []kv{{"result", flowMapping(kv{"code", str(c.Code)})}}
		desc := fmt.Sprintf("The card verification ends with Status %s (%s).", c.Code, c.Message)
		if c.Category == "pass" {
			m, err := match(catalog.OCRImageName("pass", ""))
			if err != nil {
				return f, err
			}
			body = append([]kv{m}, body...)
			desc += " Picture: catalog/ocr-images/pass.png."
		}
		add("cardverify-status-"+Slugify(c.Code), desc, body...)
	}
	for _, w := range a.Warnings.Codes {
		warn := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle, Content: []*yaml.Node{str(w.Code)}}
		add("cardverify-warn-"+Kebab(w.Code),
			fmt.Sprintf("The card verification completes with WarnInfo [%s] (%s).", w.Code, w.Message),
			kv{"result", flowMapping(kv{"code", str("COMPLETED")})},
			kv{"api", mapping(kv{result, mapping(kv{"response", flowMapping(kv{"WarnInfo", warn})})})})
	}
	for _, code := range a.Errors.Codes {
		e, ok := catalog.LookupAPIError(code)
		if !ok {
			return f, fmt.Errorf("%s: API error code %s not in the catalogue", result, code)
		}
		m, err := match(catalog.OCRImageName("error", code))
		if err != nil {
			return f, err
		}
		add("cardverify-error-"+Slugify(code),
			fmt.Sprintf("%s answers %s %q. Picture: catalog/ocr-images/%s.png.", result, code, e.MessageEN, catalog.OCRImageName("error", code)),
			m, kv{"api", mapping(kv{result, flowMapping(kv{"error", flowMapping(kv{"code", str(code)})})})})
	}
	return f, nil
}
