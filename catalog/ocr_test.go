package catalog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image/png"
	"slices"
	"strconv"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/spec"
)

// TestOCRResults checks ocr-results.json against the ocr spec and the API
// error catalogue: warning members exist with the stated item type, codes
// are unique with a message and source, pass answers decode as the
// response's members, and every error code is catalogued for the action.
func TestOCRResults(t *testing.T) {
	svc := spec.Ocr()
	if n := len(OCRActionNames()); n < 29 {
		t.Fatalf("%d actions in ocr-results.json, want every ocr action but ApplyCardVerificationExternal", n)
	}
	for _, name := range OCRActionNames() {
		t.Run(name, func(t *testing.T) {
			a, _ := LookupOCR(name)
			action, ok := svc.Actions[name]
			if !ok {
				t.Fatal("not an ocr action")
			}
			if w := a.Warnings; w != nil {
				m, ok := action.Output.Member(w.Field)
				if !ok || m.Type != "list" {
					t.Fatalf("warning member %s is not a list member of %s", w.Field, action.Output.Name)
				}
				if want := map[string]string{"int": "int64", "string": "string"}[w.Type]; m.Elem != want {
					t.Errorf("%s items are %s, not %s", w.Field, m.Elem, w.Type)
				}
				seen := map[string]bool{}
				for _, c := range w.Codes {
					if seen[c.Code] || c.Message == "" || c.Source == "" {
						t.Errorf("warning %+v: duplicate or lacking message/source", c)
					}
					seen[c.Code] = true
					if _, err := strconv.Atoi(c.Code); w.Type == "int" && err != nil {
						t.Errorf("warning %q is not an integer", c.Code)
					}
				}
				if len(w.Codes) == 0 {
					t.Error("no warning codes")
				}
			}
			if p := a.Pass; p != nil {
				if p.Source == "" {
					t.Error("pass has no source")
				}
				for k, v := range p.Response {
					m, ok := action.Output.Member(k)
					if !ok {
						t.Errorf("pass member %s is not in %s", k, action.Output.Name)
						continue
					}
					if _, err := json.Marshal(v); err != nil || (m.Type == "object" && !isObject(v)) {
						t.Errorf("pass member %s: %v does not fit a %s", k, v, m.Type)
					}
				}
			}
			if a.Errors.Source == "" || len(a.Errors.Codes) == 0 {
				t.Error("errors without codes or source")
			}
			for _, c := range a.Errors.Codes {
				e, ok := LookupAPIError(c)
				if !ok {
					t.Errorf("error %s is not in api-errors.json", c)
				} else if e.Actions != nil && !slices.Contains(e.Actions, name) {
					t.Errorf("error %s does not list %s in api-errors.json", c, name)
				}
			}
		})
	}
}

func isObject(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

// TestOCRImages: every outcome of the table has its sample picture, a PNG
// the document actions accept (406*256 pixels: within every documented
// pixel range, ApplyCardVerificationExternal's 256*256 minimum included),
// and no two pictures are the same.
func TestOCRImages(t *testing.T) {
	seen := map[string]string{}
	check := func(name string) {
		b, ok := OCRImage(name)
		if !ok {
			t.Errorf("no sample picture %s.png", name)
			return
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Errorf("%s.png: %v", name, err)
			return
		}
		if sz := img.Bounds().Size(); sz.X != 406 || sz.Y != 256 {
			t.Errorf("%s.png is %d*%d pixels, want 406*256", name, sz.X, sz.Y)
		}
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])
		if prev, dup := seen[h]; dup && prev != name {
			t.Errorf("%s.png and %s.png are the same picture", name, prev)
		}
		seen[h] = name
	}
	check(OCRImageName("pass", ""))
	for _, name := range OCRActionNames() {
		a, _ := LookupOCR(name)
		if w := a.Warnings; w != nil && w.Type == "int" {
			for _, c := range w.Codes {
				check(OCRImageName("warn", c.Code))
			}
		}
		for _, c := range a.Errors.Codes {
			check(OCRImageName("error", c))
		}
	}
	if OCRImageName("warn", "-9102") != "warn-9102" || OCRImageName("error", "FailedOperation.ImageBlur") != "error-failedoperation-imageblur" {
		t.Error("OCRImageName")
	}
}
