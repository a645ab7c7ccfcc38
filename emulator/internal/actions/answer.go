package actions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strings"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
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
// example (see defaultExample), media members made real, and for an action
// of the catalogue's flow tables its result member set to the pass code. It is built
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
	flow, hasFlow := passFlow(action)
	if ex, ok := defaultExample(action, flow, hasFlow); ok {
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
	}
	if hasFlow {
		passMembers(action, t.members, flow)
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

// passFlow returns the catalogue flow table of action when its output
// carries the flow's result member (the result action of a token flow, or
// an API-only action): its default answer is a pass.
func passFlow(action *spec.Action) (catalog.Flow, bool) {
	flow, ok := catalog.FlowOf(action.Name)
	if !ok || len(flow.Codes) == 0 {
		return catalog.Flow{}, false
	}
	if _, ok := action.Output.Member(flow.Field); !ok {
		return catalog.Flow{}, false
	}
	return flow, true
}

// defaultExample chooses the example the default answer is built from:
// for an action with a result table, the first example answering its pass
// code (Tencent lists failure examples first for some actions), else the
// first example that is not an API error.
func defaultExample(action *spec.Action, flow catalog.Flow, hasFlow bool) (spec.Example, bool) {
	var first *spec.Example
	for i, ex := range action.Examples {
		if ex.IsError() {
			continue
		}
		if first == nil {
			first = &action.Examples[i]
		}
		if !hasFlow {
			break
		}
		var got map[string]json.RawMessage
		if json.Unmarshal(ex.Response, &got) == nil && codeText(got[flow.Field]) == flow.Pass().Code {
			return ex, true
		}
	}
	if first == nil {
		return spec.Example{}, false
	}
	return *first, true
}

// codeText is a result code as text: a JSON string's content, or a
// number's JSON text.
func codeText(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(v))
}

// passMembers makes an answer built from a failure example (Tencent
// publishes no passing one for some actions) a pass: the flow's result
// member is set to the pass code in its JSON type, its message member to
// the pass message, and list members (the failure's details, such as
// DetectAIFakeFaces' AttackRiskDetailList) to empty lists.
func passMembers(action *spec.Action, members map[string]json.RawMessage, flow catalog.Flow) {
	pass := flow.Pass()
	if codeText(members[flow.Field]) == pass.Code {
		return
	}
	for _, m := range action.Output.Members {
		if m.Type == "list" {
			members[m.Name] = json.RawMessage("[]")
		}
	}
	if flow.Type == "int" {
		members[flow.Field] = json.RawMessage(pass.Code)
	} else {
		members[flow.Field], _ = json.Marshal(pass.Code)
	}
	if flow.MessageField != "" {
		members[flow.MessageField], _ = json.Marshal(pass.Message)
	}
}

// resultResponse is the scripted answer of a call: for an API-only action
// (a result table of its own), a scenario for it with a result.code answers
// that code, its message and the members that depend on it
// (catalog.Flow.Response), under the members its api.<Action>.response
// sets. A token flow's result.code is its session's outcome, played by the
// flow's handler, not here.
func resultResponse(action *spec.Action, sc *scenarios.Scenario, response map[string]any) map[string]any {
	if sc.Result == nil || sc.Result.Code == nil {
		return response
	}
	flow, ok := passFlow(action)
	if !ok || len(flow.Actions) != 1 || sc.For != flow.Key {
		return response
	}
	r, ok := flow.Lookup(*sc.Result.Code)
	if !ok {
		return response // refused by scenario validation; never here
	}
	out := flow.Response(r, func(name, typ string) bool {
		m, ok := action.Output.Member(name)
		return ok && m.Type == typ
	})
	maps.Copy(out, response)
	return out
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
// ("/9j/4AAQSk...s97n//2Q==") with the real sample files, in string members
// and lists of strings (LivenessCompare's BestFrameList).
func realMedia(m *spec.Member, v json.RawMessage, media Media) json.RawMessage {
	if m.Type == "list" && m.Elem == "string" {
		var items []json.RawMessage
		if json.Unmarshal(v, &items) != nil {
			return v
		}
		for i, it := range items {
			items[i] = realString(m.Name, it, media)
		}
		out, _ := json.Marshal(items)
		return out
	}
	if m.Type != "string" {
		return v
	}
	return realString(m.Name, v, media)
}

func realString(name string, v json.RawMessage, media Media) json.RawMessage {
	var s string
	if json.Unmarshal(v, &s) != nil || !strings.Contains(s, "..") || strings.Contains(s, "://") {
		return v
	}
	sample := media.Image
	if strings.Contains(strings.ToLower(name), "video") || strings.HasPrefix(s, "AAAA") {
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
