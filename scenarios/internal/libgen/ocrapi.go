package libgen

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"go.yaml.in/yaml/v3"
)

// ocrAPIFile is the library of the ocr document actions: per action a
// realistic pass, each documented warning and each documented API error,
// each selected by its sample picture (catalog/ocr-images) through
// match.imageSha256, since no OCR model reads the image.
func ocrAPIFile() (file, error) {
	f := file{
		name: "ocr-api.yaml",
		header: `Outcomes of the ocr 2018-11-19 document actions (catalog/ocr-results.json), selected by the picture:
send catalog/ocr-images/<outcome>.png (as ImageBase64 or by ImageUrl) to a document action and its
scenario here answers. pass.png: a realistic pass (ocr-<action>-pass); warn-<code>.png: the pass with that
documented warning in WarnCardInfos (ocr-<action>-warn-<code>); error-<code>.png: the documented API error
(ocr-<action>-error-<code>). Pictures that no scenario names get Tencent's example answer.`,
	}
	for _, action := range catalog.OCRActionNames() {
		a, _ := catalog.LookupOCR(action)
		if action == "GetCardVerificationExternalResult" {
			continue // a token flow's result call, not a document action
		}
		if len(f.items) > 0 {
			f.docs = append(f.docs, f.items) // one YAML document per action
			f.items = nil
		}
		slug := Kebab(action)
		var pass map[string]any
		if a.Pass != nil {
			pass = a.Pass.Response
			sc, err := ocrScenario("ocr-"+slug+"-pass", "pass", "",
				fmt.Sprintf("%s recognises a sample card (fake person); no warning.", action),
				action, kv{"response", nil}, pass)
			if err != nil {
				return f, err
			}
			f.items = append(f.items, sc)
		}
		if w := a.Warnings; w != nil && w.Type == "int" {
			for _, c := range w.Codes {
				resp := maps.Clone(pass)
				if resp == nil {
					resp = map[string]any{}
				}
				resp[w.Field] = []any{atoi(c.Code)}
				sc, err := ocrScenario("ocr-"+slug+"-warn"+c.Code, "warn", c.Code,
					fmt.Sprintf("%s recognises the card with warning %s in %s (%s).", action, c.Code, w.Field, c.Message),
					action, kv{}, resp)
				if err != nil {
					return f, err
				}
				f.items = append(f.items, sc)
			}
		}
		for _, code := range a.Errors.Codes {
			e, ok := catalog.LookupAPIError(code)
			if !ok {
				return f, fmt.Errorf("%s: API error code %s not in the catalogue", action, code)
			}
			sc, err := ocrScenario("ocr-"+slug+"-error-"+Slugify(code), "error", code,
				fmt.Sprintf("%s answers %s %q.", action, code, e.MessageEN),
				action, kv{"error", flowMapping(kv{"code", str(code)})}, nil)
			if err != nil {
				return f, err
			}
			f.items = append(f.items, sc)
		}
	}
	f.docs = append(f.docs, f.items)
	f.items = nil
	return f, nil
}

// ocrScenario builds one scenario for action, matched by the sample
// picture of the outcome (kind, code); behavior is its api entry, or the
// response when resp is set.
func ocrScenario(name, kind, code, desc, action string, behavior kv, resp map[string]any) (*yaml.Node, error) {
	img, ok := catalog.OCRImage(catalog.OCRImageName(kind, code))
	if !ok {
		return nil, fmt.Errorf("%s: no sample picture %s.png", name, catalog.OCRImageName(kind, code))
	}
	sum := sha256.Sum256(img)
	if resp != nil {
		var n yaml.Node
		if err := n.Encode(sortedMap(resp)); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		behavior = kv{"response", &n}
	}
	return mapping(
		kv{"name", str(name)},
		kv{"description", str(desc + " Picture: catalog/ocr-images/" + catalog.OCRImageName(kind, code) + ".png.")},
		kv{"for", str(action)},
		kv{"match", flowMapping(kv{"imageSha256", str(hex.EncodeToString(sum[:]))})},
		kv{"api", mapping(kv{action, mapping(behavior)})},
	), nil
}

// sortedMap is m as a yaml mapping node in key order, values encoded by
// yaml (lists of scalars in flow style).
func sortedMap(m map[string]any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		var v yaml.Node
		_ = v.Encode(m[k])
		if v.Kind == yaml.SequenceNode || v.Kind == yaml.MappingNode {
			v.Style = yaml.FlowStyle
		}
		n.Content = append(n.Content, str(k), &v)
	}
	return n
}

func atoi(s string) int {
	n := 0
	neg := strings.HasPrefix(s, "-")
	for _, r := range strings.TrimPrefix(s, "-") {
		n = n*10 + int(r-'0')
	}
	if neg {
		return -n
	}
	return n
}

// Kebab turns an action name into lower-case words joined by '-', words
// starting at a capital that follows a lower-case letter or that begins a
// capitalised word after an acronym ("RecognizeIndonesiaIDCardOCR" →
// "recognize-indonesia-id-card-ocr").
func Kebab(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) {
			prevLower := unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || (unicode.IsUpper(rs[i-1]) && nextLower) {
				b.WriteByte('-')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
