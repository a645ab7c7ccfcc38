package integration

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/faceid-emulator/faceid-emulator/emulator"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

// jpegBase64 is the start of a JPEG (SOI, APP0 JFIF), base64-encoded;
// mp4Base64 the start of an MP4 (an ftyp box of brand mp42); cardBase64 a
// whole 256*256 grey PNG, for ocr document images, whose header is read:
// the smallest picture inside every documented pixel range.
const (
	jpegBase64 = "/9j/4AAQSkZJRgABAQ=="
	mp4Base64  = "AAAAGGZ0eXBtcDQy"
	cardBase64 = "iVBORw0KGgoAAAANSUhEUgAAAQAAAAEACAAAAAB5Gfe6AAAB/0lEQVR4nOzQQQ0AMBSFsGX+RX8ZPTxQQPrfeAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QzQNcAAAA//8RLQIBGNmOsAAAAABJRU5ErkJggg=="
)

// fitsSpec checks a JSON value against a spec member type, recursively:
// the answer must decode into any SDK's response type generated from the
// same spec.
func fitsSpec(obj *spec.Object, v map[string]any, path string) []string {
	var errs []string
	for name := range v {
		if _, ok := obj.Member(name); !ok && !(name == "RequestId" && path == "") {
			errs = append(errs, path+name+": not a member of "+obj.Name)
		}
	}
	for _, m := range obj.Members {
		val, ok := v[m.Name]
		if !ok {
			if path == "" {
				errs = append(errs, path+m.Name+": missing")
			}
			continue
		}
		errs = append(errs, fitsMember(m, val, path+m.Name)...)
	}
	return errs
}

func fitsMember(m *spec.Member, val any, path string) []string {
	if val == nil {
		return nil // null: the SDKs' pointer fields take it
	}
	if m.Type == "list" {
		items, ok := val.([]any)
		if !ok {
			return []string{path + ": not a list"}
		}
		var errs []string
		for i, it := range items {
			elem := *m
			elem.Type = m.Elem
			if m.Object != nil {
				elem.Type = "object"
			}
			errs = append(errs, fitsMember(&elem, it, fmt.Sprintf("%s.%d", path, i))...)
		}
		return errs
	}
	ok := true
	switch m.Type {
	case "object":
		obj, isObj := val.(map[string]any)
		if !isObj {
			return []string{path + ": not an object"}
		}
		return fitsSpec(m.Object, obj, path+".")
	case "string":
		_, ok = val.(string)
	case "int", "int64", "integer", "uint64":
		f, isNum := val.(float64)
		ok = isNum && f == float64(int64(f))
	case "float":
		_, ok = val.(float64)
	case "bool":
		_, ok = val.(bool)
	}
	if !ok {
		return []string{fmt.Sprintf("%s: %v is not a %s", path, val, m.Type)}
	}
	return nil
}

// validRequest builds the smallest request the spec accepts for obj: every
// required member, with a value its documented rule allows, and the base64
// form of every document image that must be given. tokens supplies members
// named like a token made by an earlier action (BizToken, SdkToken).
func validRequest(obj *spec.Object, tokens map[string]string) map[string]any {
	out := map[string]any{}
	for _, m := range obj.Members {
		if v, ok := tokens[m.Name]; ok {
			out[m.Name] = v
			continue
		}
		if img := imageRule(m); img != nil && img.Required && img.Source == "base64" {
			out[m.Name] = validValue(m, tokens)
			continue
		}
		if !m.Required {
			continue
		}
		out[m.Name] = validValue(m, tokens)
	}
	return out
}

func validValue(m *spec.Member, tokens map[string]string) any {
	r := m.Rule
	if r != nil && len(r.Enum) > 0 {
		var v any
		_ = json.Unmarshal(r.Enum[0], &v)
		return v
	}
	if img := imageRule(m); img != nil && img.Source == "base64" {
		if m.Type == "list" {
			return []any{cardBase64}
		}
		return cardBase64
	}
	switch m.Type {
	case "object":
		return validRequest(m.Object, tokens)
	case "list":
		if m.Object != nil {
			return []any{validRequest(m.Object, tokens)}
		}
		return []any{scalarValue(m.Elem, r)}
	}
	if r != nil {
		switch r.Format {
		case "base64", "image-base64", "media-base64":
			return jpegBase64
		case "video-base64":
			return mp4Base64
		case "url":
			return "https://merchant.example/callback"
		}
	}
	return scalarValue(m.Elem, r)
}

func scalarValue(elem string, r *spec.Rule) any {
	switch elem {
	case "int64", "integer", "uint64", "float":
		if r != nil && r.Min != nil {
			return *r.Min
		}
		return 1
	case "bool":
		return true
	}
	return "x"
}

func imageRule(m *spec.Member) *spec.ImageRule {
	if m.Rule == nil {
		return nil
	}
	return m.Rule.Image
}

// TestEveryAction: every action of every embedded spec (faceid, ocr)
// answers through the official Go SDK on the one endpoint with a
// well-typed default answer, and refuses a missing required member, a
// wrong type and an unknown member with their codes.
func TestEveryAction(t *testing.T) {
	tg := inProcess(t, emulator.Options{})
	c := goClient(tg, credMain)
	for _, svc := range spec.Services() {
		t.Run(svc.Name, func(t *testing.T) { everyAction(t, c, svc) })
	}
}

func everyAction(t *testing.T, c *common.Client, svc *spec.Service) {
	call := func(c *common.Client, action string, params map[string]any) (map[string]any, error) {
		return callService(c, svc.Name, svc.Version, action, params)
	}
	tokens := map[string]string{}
	// Apply-like actions first (their tokens feed the result actions).
	var order, results []string
	for _, name := range svc.ActionNames {
		if strings.HasPrefix(name, "Get") && strings.Contains(name, "Result") {
			results = append(results, name)
		} else {
			order = append(order, name)
		}
	}
	order = append(order, results...)
	// The tokens of a token flow's apply action feed that flow's result
	// action only (an SdkToken of the selfie flow is no eKYC token).
	flowTokens := map[string]map[string]string{}
	for _, name := range order {
		action := svc.Actions[name]
		tokens := tokens
		if fl, ok := catalog.FlowOf(name); ok && len(fl.Actions) > 1 {
			if flowTokens[fl.Key] == nil {
				flowTokens[fl.Key] = map[string]string{}
			}
			tokens = flowTokens[fl.Key]
		}
		t.Run(name, func(t *testing.T) {
			req := validRequest(action.Input, tokens)
			resp, err := call(c, name, req)
			if err != nil {
				t.Fatalf("%s %v: %v", name, req, err)
			}
			if _, ok := resp["RequestId"].(string); !ok {
				t.Errorf("no RequestId in %v", resp)
			}
			for _, e := range fitsSpec(action.Output, resp, "") {
				t.Errorf("answer does not fit %s: %s", action.Output.Name, e)
			}
			for _, m := range action.Output.Members {
				if s, ok := resp[m.Name].(string); ok && strings.HasSuffix(m.Name, "Token") && s != "" {
					tokens[m.Name] = s
				}
			}

			// A missing required member, a wrong type, an unknown member.
			for _, m := range action.Input.Members {
				if !m.Required || tokens[m.Name] != "" {
					continue
				}
				bad := validRequest(action.Input, tokens)
				delete(bad, m.Name)
				if _, err := call(c, name, bad); sdkCode(err) != "MissingParameter" || !strings.Contains(err.Error(), m.Name) {
					t.Errorf("without %s: %v, want MissingParameter naming it", m.Name, err)
				}
				break
			}
			for _, m := range action.Input.Members {
				if m.Type != "string" {
					continue
				}
				bad := validRequest(action.Input, tokens)
				bad[m.Name] = 12
				if _, err := call(c, name, bad); sdkCode(err) != "InvalidParameter" || !strings.Contains(err.Error(), m.Name) {
					t.Errorf("%s as a number: %v, want InvalidParameter naming it", m.Name, err)
				}
				break
			}
			bad := validRequest(action.Input, tokens)
			bad["NoSuchMember"] = "x"
			if _, err := call(c, name, bad); sdkCode(err) != "UnknownParameter" || !strings.Contains(err.Error(), "NoSuchMember") {
				t.Errorf("unknown member: %v, want UnknownParameter naming it", err)
			}
		})
	}
	if t.Failed() {
		t.Logf("tokens seen: %v, by flow %v", tokens, flowTokens)
	}
}
