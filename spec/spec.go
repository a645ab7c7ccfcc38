// Package spec reads Tencent's published API specs, the one source of every
// action name, model, required member and default answer the emulator
// serves.
//
// The files beside this one are Tencent's own data, unchanged
// (<service>-<version>.api.json and .examples.json, from Tencent's intl CLI
// repository), plus <service>-<version>.rules.json: the input constraints
// Tencent states only in prose (enums, ranges, sizes), written down once
// from the spec's documents and Tencent's pages, each with the sentence it
// comes from.
//
// The specs are embedded and read on first use (not at start-up, which
// must stay fast); a Service is immutable and shared.
package spec

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
)

//go:embed *.api.json *.examples.json *.rules.json
var files embed.FS

// Service is one API (service and version) as its spec describes it.
type Service struct {
	// Name is the service's short name ("faceid"); Version its API version.
	Name, Version string
	// Actions by name; ActionNames in name order.
	Actions     map[string]*Action
	ActionNames []string
	// Objects by name (request, response and nested models).
	Objects map[string]*Object
}

// Action is one API action.
type Action struct {
	Name     string
	Document string
	Input    *Object
	Output   *Object
	// Examples are Tencent's published examples, in the spec's order.
	Examples []Example
	// Unreadable lists the published examples whose answer is not valid
	// JSON (Tencent's files have a few), with the reason; they are skipped.
	Unreadable []string
}

// Object is one model.
type Object struct {
	Name     string
	Document string
	Members  []*Member
}

// Member is one field of a model.
type Member struct {
	Name string
	// Type is string, int, float, bool, object or list.
	Type string
	// Elem is the scalar type (string, int64, uint64, float, bool) or, for
	// object and list-of-object members, the object's name.
	Elem string
	// Object is the nested model of an object member or a list of objects.
	Object   *Object
	Required bool
	// Nullable: the service may send null (value_allowed_null).
	Nullable bool
	// Disabled: deprecated in the spec.
	Disabled bool
	Document string
	Example  string
	// Rule is the documented constraint of an input member, if any.
	Rule *Rule
}

// Member returns the member called name.
func (o *Object) Member(name string) (*Member, bool) {
	for _, m := range o.Members {
		if m.Name == name {
			return m, true
		}
	}
	return nil, false
}

// Rule is a documented constraint of an input member.
type Rule struct {
	// Enum lists the accepted values (JSON values of the member's type).
	Enum []json.RawMessage `json:"enum,omitempty"`
	// Min and Max bound a number.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// MaxLength bounds a string in characters, MaxBytes in bytes.
	MaxLength int `json:"maxLength,omitempty"`
	MaxBytes  int `json:"maxBytes,omitempty"`
	// Format is one of:
	//   - "base64": standard, padded base64, no data: prefix;
	//   - "image-base64": base64 whose bytes are an image of a documented
	//     format (JPEG, PNG or BMP, told by their magic bytes);
	//   - "video-base64": base64 whose bytes are a video of a documented
	//     format (MP4/MOV, AVI or FLV, told by their magic bytes);
	//   - "media-base64": either an image or a video;
	//   - "url": an absolute http or https URL.
	Format string `json:"format,omitempty"`
	// MediaError is the error code answered when the bytes of an
	// image-, video- or media-base64 member are not of a documented format
	// (one of the action's documented error codes, such as
	// FailedOperation.ImageDecodeFailed); empty = InvalidParameterValue.
	MediaError string `json:"mediaError,omitempty"`
	// Default is the documented default value.
	Default json.RawMessage `json:"default,omitempty"`
	// Fallback: a value outside Enum is documented to fall back to Default
	// rather than be refused ("Uses default values if the format is
	// incorrect"), so validation lets it through for the action to resolve.
	Fallback bool `json:"fallback,omitempty"`
	// Image marks a document image input (OCR), checked by the service
	// that reads images rather than by the generic rules.
	Image *ImageRule `json:"image,omitempty"`
	// Pixels bounds the width and height of a document image: on an image
	// member (with Image) that image's; on a bool member (with When) every
	// image of the request while the member has that value.
	Pixels *PixelRule `json:"pixels,omitempty"`
	// Doc quotes where the constraint is stated.
	Doc string `json:"doc,omitempty"`

	// enumTexts are the Enum values as text (strings unquoted), for Allows.
	enumTexts []string
}

// Allows reports whether a value, written as text (a string as it is, a
// number or boolean as its JSON text), is one of Enum; a rule without
// Enum allows everything.
func (r *Rule) Allows(text string) bool {
	if len(r.Enum) == 0 {
		return true
	}
	if r.enumTexts == nil { // a Rule not read from a file: no cache
		return slices.Contains(enumTexts(r.Enum), text)
	}
	return slices.Contains(r.enumTexts, text)
}

// EnumTexts returns the Enum values as text, in the rule's order.
func (r *Rule) EnumTexts() []string { return enumTexts(r.Enum) }

func enumTexts(enum []json.RawMessage) []string {
	out := make([]string, 0, len(enum))
	for _, e := range enum {
		var str string
		if json.Unmarshal(e, &str) == nil {
			out = append(out, str)
		} else {
			out = append(out, string(e))
		}
	}
	return out
}

// ImageRule is what the docs say of one document image input.
type ImageRule struct {
	// Source is "base64" (the member holds the image) or "url" (the member
	// holds where to download it).
	Source string `json:"source"`
	// Formats are the accepted formats, detected from the bytes: JPEG, PNG,
	// BMP, PDF, WORD, EXCEL.
	Formats []string `json:"formats"`
	// MaxBytes bounds the image after Base64 encoding.
	MaxBytes int `json:"maxBytes"`
	// DownloadSeconds is the documented download time limit of a URL (0:
	// not stated).
	DownloadSeconds int `json:"downloadSeconds,omitempty"`
	// Alternative names the member carrying the same image the other way
	// (ImageUrl for ImageBase64); the URL wins when both are given.
	Alternative string `json:"alternative,omitempty"`
	// Required: the member or its alternative must be given.
	Required bool `json:"required,omitempty"`
}

// PixelRule is a documented pixel range of document images ("Between
// 256*256 and 4096*4096 pixels", "long side ... cannot exceed 4000 ...
// Short side ... not less than 64"): the short side at least MinSide, the
// long side at most MaxSide, so both sides within [MinSide, MaxSide].
type PixelRule struct {
	MinSide int `json:"minSide"`
	MaxSide int `json:"maxSide"`
	// MaxSideByFormat replaces MaxSide for the formats it names (JPEG,
	// PNG, BMP, GIF): "4000 for JPG, 2000 for other formats".
	MaxSideByFormat map[string]int `json:"maxSideByFormat,omitempty"`
	// When is set on a bool member only: the range holds for the request's
	// images while the member has this value ("If set to true, the image
	// constraints are").
	When *bool `json:"when,omitempty"`
	// MaxBytes, on a rule with When only, bounds each of the request's
	// images after Base64 encoding while the member has When's value
	// ("Size after Base64 encoding must not exceed 5 MB"); 0 = no bound of
	// its own. An image over it is answered TooLarge.
	MaxBytes int `json:"maxBytes,omitempty"`
	// TooSmall and TooLarge are the error codes of an image outside the
	// range, ones the action documents; CodeNote says why those when the
	// action documents no code for that case.
	TooSmall string `json:"tooSmall"`
	TooLarge string `json:"tooLarge"`
	CodeNote string `json:"codeNote,omitempty"`
}

// MaxSideFor is the largest side allowed for an image of format.
func (p *PixelRule) MaxSideFor(format string) int {
	if n, ok := p.MaxSideByFormat[format]; ok {
		return n
	}
	return p.MaxSide
}

// pixelFormats are the picture formats a pixel range can name.
var pixelFormats = []string{"JPEG", "PNG", "BMP", "GIF"}

// check refuses a pixel range that cannot be applied as written: a
// misplaced rule, an empty or inverted range, a format no image has, a
// missing error code.
func (p *PixelRule) check(m *Member, r *Rule) error {
	switch {
	case m.Type == "bool" && p.When == nil:
		return errors.New("pixels on a bool member needs when")
	case m.Type != "bool" && (r.Image == nil || p.When != nil):
		return errors.New("pixels goes on an image member (without when) or a bool member (with when)")
	case p.MinSide < 1 || p.MaxSide < p.MinSide:
		return fmt.Errorf("pixels [%d, %d]: want 1 <= minSide <= maxSide", p.MinSide, p.MaxSide)
	case p.TooSmall == "" || p.TooLarge == "":
		return errors.New("pixels needs tooSmall and tooLarge error codes")
	case p.MaxBytes < 0 || p.MaxBytes > 0 && p.When == nil:
		return fmt.Errorf("pixels maxBytes %d: want a size in bytes, on a rule with when", p.MaxBytes)
	}
	for f, n := range p.MaxSideByFormat {
		if !slices.Contains(pixelFormats, f) || n < p.MinSide {
			return fmt.Errorf("pixels maxSideByFormat %s: %d: want one of %v, at least minSide", f, n, pixelFormats)
		}
	}
	return nil
}

// Example is one published example of an action.
type Example struct {
	Title string
	// Request is the example's business parameters (a JSON object), or nil
	// when the example shows none.
	Request json.RawMessage
	// Response is the Response object of the example's answer.
	Response json.RawMessage
}

// IsError reports whether the example answers an API error.
func (e Example) IsError() bool {
	var r struct {
		Error *struct{ Code string } `json:"Error"`
	}
	return json.Unmarshal(e.Response, &r) == nil && r.Error != nil
}

var loaded sync.Map // file prefix -> *loadResult; immutable once stored

type loadResult struct {
	once sync.Once
	svc  *Service
	err  error
}

// Load returns the service whose files start with prefix, for example
// "faceid-2018-03-01". The result is read once and shared (read-only).
func Load(prefix string) (*Service, error) {
	v, _ := loaded.LoadOrStore(prefix, new(loadResult))
	r := v.(*loadResult)
	r.once.Do(func() { r.svc, r.err = parse(files, prefix) })
	return r.svc, r.err
}

// Faceid returns the faceid 2018-03-01 service. The embedded spec is part
// of the build, so a failure is a build defect and panics.
func Faceid() *Service { return mustLoad("faceid-2018-03-01") }

// Ocr returns the ocr 2018-11-19 service (Tencent's intl document OCR).
func Ocr() *Service { return mustLoad("ocr-2018-11-19") }

// Prefixes lists the embedded services' file prefixes.
func Prefixes() []string { return slices.Clone(prefixes()) }

// prefixes globs the embedded files once (they never change): scenario
// validation looks actions up for every scenario it checks.
var prefixes = sync.OnceValue(func() []string {
	var out []string
	matches, _ := fs.Glob(files, "*.api.json")
	for _, m := range matches {
		out = append(out, strings.TrimSuffix(m, ".api.json"))
	}
	return out
})

func mustLoad(prefix string) *Service {
	s, err := Load(prefix)
	if err != nil {
		panic(err)
	}
	return s
}

// The layout of Tencent's api.json that is read.
type apiFile struct {
	Actions map[string]struct {
		Document string `json:"document"`
		Input    string `json:"input"`
		Output   string `json:"output"`
	} `json:"actions"`
	Metadata struct {
		APIVersion       string `json:"apiVersion"`
		ServiceShortName string `json:"serviceShortName"`
	} `json:"metadata"`
	Objects map[string]struct {
		Document string `json:"document"`
		Members  []struct {
			Name             string `json:"name"`
			Type             string `json:"type"`
			Member           string `json:"member"`
			Document         string `json:"document"`
			Example          string `json:"example"`
			Required         bool   `json:"required"`
			ValueAllowedNull bool   `json:"value_allowed_null"`
			Disabled         bool   `json:"disabled"`
		} `json:"members"`
	} `json:"objects"`
}

type examplesFile struct {
	Actions map[string][]struct {
		Title  string `json:"title"`
		Input  string `json:"input"`
		Output string `json:"output"`
	} `json:"actions"`
}

// rulesFile is ours, not Tencent's: it is read strictly, so that a
// misspelt key is an error rather than a rule silently not applied.
type rulesFile struct {
	SourceNote string           `json:"_source_note"`
	Rules      map[string]*Rule `json:"rules"`
}

func parse(fsys fs.FS, prefix string) (*Service, error) {
	var api apiFile
	if err := readJSON(fsys, prefix+".api.json", &api); err != nil {
		return nil, err
	}
	var ex examplesFile
	if err := readJSON(fsys, prefix+".examples.json", &ex); err != nil {
		return nil, err
	}
	var rules rulesFile
	if err := readJSONStrict(fsys, prefix+".rules.json", &rules); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	s := &Service{
		Name:    api.Metadata.ServiceShortName,
		Version: api.Metadata.APIVersion,
		Actions: make(map[string]*Action, len(api.Actions)),
		Objects: make(map[string]*Object, len(api.Objects)),
	}
	for name, o := range api.Objects {
		obj := &Object{Name: name, Document: o.Document}
		for _, m := range o.Members {
			obj.Members = append(obj.Members, &Member{
				Name: m.Name, Type: m.Type, Elem: m.Member, Required: m.Required,
				Nullable: m.ValueAllowedNull, Disabled: m.Disabled, Document: m.Document, Example: m.Example,
			})
		}
		s.Objects[name] = obj
	}
	for _, obj := range s.Objects {
		for _, m := range obj.Members {
			if m.Type == "object" || m.Type == "list" {
				m.Object = s.Objects[m.Elem]
				if m.Type == "object" && m.Object == nil {
					return nil, fmt.Errorf("spec %s: %s.%s: object %s not in spec", prefix, obj.Name, m.Name, m.Elem)
				}
			}
		}
	}
	for key, r := range rules.Rules {
		objName, memberName, ok := strings.Cut(key, ".")
		obj := s.Objects[objName]
		if !ok || obj == nil {
			return nil, fmt.Errorf("spec %s: rule %q names no object", prefix, key)
		}
		m, ok := obj.Member(memberName)
		if !ok {
			return nil, fmt.Errorf("spec %s: rule %q names no member", prefix, key)
		}
		r.enumTexts = enumTexts(r.Enum)
		if r.Pixels != nil {
			if err := r.Pixels.check(m, r); err != nil {
				return nil, fmt.Errorf("spec %s: rule %q: %w", prefix, key, err)
			}
		}
		m.Rule = r
	}
	for name, a := range api.Actions {
		in, out := s.Objects[a.Input], s.Objects[a.Output]
		if in == nil || out == nil {
			return nil, fmt.Errorf("spec %s: action %s: input or output object missing", prefix, name)
		}
		act := &Action{Name: name, Document: a.Document, Input: in, Output: out}
		for _, e := range ex.Actions[name] {
			example, err := parseExample(e.Title, e.Input, e.Output)
			if err != nil {
				act.Unreadable = append(act.Unreadable, fmt.Sprintf("%q: %v", e.Title, err))
				continue
			}
			act.Examples = append(act.Examples, example)
		}
		s.Actions[name] = act
		s.ActionNames = append(s.ActionNames, name)
	}
	slices.Sort(s.ActionNames)
	return s, nil
}

// parseExample takes the JSON body of the example's HTTP request text and
// the Response object of its answer.
func parseExample(title, input, output string) (Example, error) {
	e := Example{Title: title}
	if _, body, ok := strings.Cut(input, "\n\n"); ok {
		body = strings.TrimSpace(body)
		if strings.HasPrefix(body, "{") && json.Valid([]byte(body)) {
			e.Request = json.RawMessage(body)
		}
	}
	var resp struct {
		Response json.RawMessage `json:"Response"`
	}
	if err := json.Unmarshal([]byte(output), &resp); err != nil {
		if err2 := json.Unmarshal([]byte(addMissingCommas(output)), &resp); err2 != nil {
			return e, fmt.Errorf("output: %w", err)
		}
	}
	if len(resp.Response) == 0 {
		return e, errors.New("output has no Response")
	}
	e.Response = resp.Response
	return e, nil
}

// addMissingCommas repairs the one defect seen in Tencent's published
// examples: a member line with no comma before the next member line (the
// examples are pretty-printed, one member per line).
func addMissingCommas(text string) string {
	lines := strings.Split(text, "\n")
	for i := 0; i+1 < len(lines); i++ {
		cur := strings.TrimRight(lines[i], " \t\r")
		next := strings.TrimSpace(lines[i+1])
		if cur == "" || !strings.HasPrefix(next, `"`) {
			continue
		}
		switch cur[len(cur)-1] {
		case ',', '{', '[':
			continue
		}
		lines[i] = cur + ","
	}
	return strings.Join(lines, "\n")
}

// readJSONStrict is readJSON refusing keys v does not name.
func readJSONStrict(fsys fs.FS, name string, v any) error {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("spec: %s: %w", name, err)
	}
	return nil
}

func readJSON(fsys fs.FS, name string, v any) error {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("spec: %s: %w", name, err)
	}
	return nil
}

// Services returns every embedded service, in file-prefix order.
func Services() []*Service {
	var out []*Service
	for _, p := range prefixes() {
		out = append(out, mustLoad(p))
	}
	return out
}

// FindAction returns the action called name in any embedded service.
func FindAction(name string) (*Service, *Action, bool) {
	for _, p := range prefixes() {
		s := mustLoad(p)
		if a, ok := s.Actions[name]; ok {
			return s, a, true
		}
	}
	return nil, nil, false
}

// AllActionNames lists the actions of every embedded service, sorted.
func AllActionNames() []string {
	var out []string
	for _, s := range Services() {
		out = append(out, s.ActionNames...)
	}
	slices.Sort(out)
	return out
}
