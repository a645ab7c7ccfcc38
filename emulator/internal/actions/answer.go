package actions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/faceid-emulator/faceid-emulator/spec"
)

// Media is the sample media a default answer carries where Tencent's example
// shows a truncated base64 image or video: real, decodable files.
type Media struct {
	// Image is a base64 JPEG; Video a base64 MP4.
	Image, Video string
}

// template is the default answer of one action before per-call values: the
// output model with every member (null or zero), overlaid with Tencent's
// first example that is not an error, media members made real. It is built
// once per emulator and action and never changed.
type template struct {
	members map[string]json.RawMessage
	// tokens are string members made fresh per call (…Token, …Id members
	// holding an id in the example, but RequestId).
	tokens []string
	// echoes are output members also top-level members of the input, so an
	// answer agrees with its request (Extra, ...).
	echoes []string
}

// buildTemplate derives the template of action from its spec and model.
func buildTemplate(action *spec.Action, newResponse func() any, media Media) (*template, error) {
	zero, err := json.Marshal(newResponse())
	if err != nil {
		return nil, err
	}
	t := &template{}
	if err := json.Unmarshal(zero, &t.members); err != nil {
		return nil, err
	}
	for _, ex := range action.Examples {
		if ex.IsError() {
			continue
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(ex.Response, &got); err != nil {
			return nil, fmt.Errorf("example %q: %w", ex.Title, err)
		}
		for name, v := range got {
			m, ok := action.Output.Member(name)
			if !ok || name == "RequestId" {
				continue
			}
			v = realMedia(m, v, media)
			if fitsModel(newResponse, name, v) {
				t.members[name] = v
			}
		}
		break
	}
	for _, m := range action.Output.Members {
		switch {
		case m.Name == "RequestId":
		case m.Type == "string" && isTokenName(m.Name):
			t.tokens = append(t.tokens, m.Name)
		}
		if in, ok := action.Input.Member(m.Name); ok && in.Type == m.Type && in.Type != "object" && in.Type != "list" {
			t.echoes = append(t.echoes, m.Name)
		}
	}
	return t, nil
}

// fitsModel reports whether member name with value v decodes into the
// response model: an example value of the wrong type (Tencent's examples
// have a few) leaves the member at its zero value.
func fitsModel(newResponse func() any, name string, v json.RawMessage) bool {
	doc, err := json.Marshal(map[string]json.RawMessage{name: v})
	if err != nil {
		return false
	}
	return json.Unmarshal(doc, newResponse()) == nil
}

// isTokenName: members that identify something the emulator must make
// fresh on every call, never the example's value.
func isTokenName(name string) bool {
	return strings.HasSuffix(name, "Token") || name == "SerialNumber" || name == "SerialNo"
}

// realMedia replaces Tencent's truncated base64 placeholders
// ("/9j/4AAQSk...s97n//2Q==") with the real sample files.
func realMedia(m *spec.Member, v json.RawMessage, media Media) json.RawMessage {
	if m.Type != "string" {
		return v
	}
	var s string
	if json.Unmarshal(v, &s) != nil || !strings.Contains(s, "..") || strings.Contains(s, "://") {
		return v
	}
	sample := media.Image
	if strings.Contains(strings.ToLower(m.Name), "video") || strings.HasPrefix(s, "AAAA") {
		sample = media.Video
	}
	out, _ := json.Marshal(sample)
	return out
}

// answerInput is what one call adds to the template.
type answerInput struct {
	requestID string
	request   any // the decoded request model
	newID     func() string
	// overrides are members set by a scenario (response) or a handler.
	overrides map[string]any
}

// render makes the answer: the template with the call's RequestId, fresh
// tokens, echoed request members and overrides, decoded into the action's
// response model so that it is always well typed.
func (t *template) render(newResponse func() any, in answerInput) (any, error) {
	members := make(map[string]json.RawMessage, len(t.members)+1)
	for k, v := range t.members {
		members[k] = v
	}
	for _, name := range t.tokens {
		members[name], _ = json.Marshal(in.newID())
	}
	if in.request != nil {
		rv := reflect.ValueOf(in.request).Elem()
		for _, name := range t.echoes {
			if f := fieldByJSONName(rv, name); f.IsValid() && !isAbsent(f) {
				members[name], _ = json.Marshal(f.Interface())
			}
		}
	}
	for k, v := range in.overrides {
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("response.%s: %w", k, err)
		}
		members[k] = raw
	}
	members["RequestId"], _ = json.Marshal(in.requestID)
	body, err := json.Marshal(members)
	if err != nil {
		return nil, err
	}
	resp := newResponse()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(resp); err != nil {
		return nil, fmt.Errorf("answer does not fit the response model: %w", err)
	}
	return resp, nil
}
