package actions

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

// Validate checks a decoded request model against its spec object: every
// required member present, and every documented rule (enum, range, length,
// size, base64, URL) kept, in nested objects and lists too. Types and
// unknown members were already checked by decoding. The error names the
// parameter by its dotted path ("Config.CheckMode", "List.0.Name").
func Validate(obj *spec.Object, model any) *catalog.Error {
	v := reflect.ValueOf(model)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	return validateStruct(obj, v, "")
}

// paramPath is a parameter's dotted path, joined only when an error names
// it: the hot path validates many present members and names none.
type paramPath struct{ prefix, name string }

func (p paramPath) String() string { return p.prefix + p.name }

func validateStruct(obj *spec.Object, v reflect.Value, prefix string) *catalog.Error {
	plan := fieldPlan(obj, v.Type())
	for i, m := range obj.Members {
		if plan[i] < 0 {
			continue // the model has no such field: generated from the same spec, so never
		}
		f := v.Field(plan[i])
		path := paramPath{prefix, m.Name}
		// A required text given empty is as good as absent: the real API
		// answers MissingParameter for RedirectURL="".
		// An optional text given empty is as good as absent too: Tencent's
		// own examples send "ValidateData": "" for a member with an enum.
		if isAbsent(f) || (m.Type == "string" && f.Kind() == reflect.Pointer && f.Elem().String() == "") {
			if m.Required {
				return catalog.Missing(path.String())
			}
			continue
		}
		if err := validateValue(m, f, path); err != nil {
			return err
		}
	}
	return nil
}

func validateValue(m *spec.Member, f reflect.Value, path paramPath) *catalog.Error {
	for f.Kind() == reflect.Pointer {
		f = f.Elem()
	}
	switch {
	case m.Type == "object" && m.Object != nil:
		return validateStruct(m.Object, f, path.String()+".")
	case m.Type == "list":
		if m.Rule != nil && m.Rule.MaxLength > 0 && f.Len() > m.Rule.MaxLength {
			return catalog.BadValue(path.String(), fmt.Sprintf("at most %d items", m.Rule.MaxLength))
		}
		for i := 0; i < f.Len(); i++ {
			elem := f.Index(i)
			ip := paramPath{path.String() + ".", strconv.Itoa(i)}
			if m.Object != nil {
				if err := validateStruct(m.Object, elem, ip.String()+"."); err != nil {
					return err
				}
			} else if err := checkRule(m.Rule, elem, ip); err != nil {
				return err
			}
		}
		return nil
	}
	return checkRule(m.Rule, f, path)
}

// Bounds of text the spec gives no size for; such strings are kept with
// sessions and in the journal, so each has one (issue 15: 20 Applies with
// a 5 MB RedirectURL were accepted and kept). A URL of 8 KiB is what
// common proxies and browsers still pass; other text gets 64 KiB. A
// documented maxLength or maxBytes wins, and base64 members are bounded by
// the request size limit only.
const (
	MaxURLBytes  = 8192
	MaxTextBytes = 64 << 10
)

// carriesMedia reports whether a member holds a base64 file (an image, a
// video: the base64 formats, or an OCR document image), bounded by its own
// documented size or the request's.
func carriesMedia(r *spec.Rule) bool {
	return r != nil && (strings.HasSuffix(r.Format, "base64") || r.Image != nil)
}

// checkRule checks one scalar against its documented rule.
func checkRule(r *spec.Rule, v reflect.Value, path paramPath) *catalog.Error {
	if v.Kind() == reflect.String && (r == nil || r.MaxBytes == 0 && r.MaxLength == 0) {
		switch {
		case r != nil && r.Format == "url" && v.Len() > MaxURLBytes:
			return catalog.BadValue(path.String(), fmt.Sprintf("longer than %d bytes", MaxURLBytes))
		case !carriesMedia(r) && v.Len() > MaxTextBytes:
			return catalog.BadValue(path.String(), fmt.Sprintf("longer than %s", byteSize(MaxTextBytes)))
		}
	}
	if r == nil {
		return nil
	}
	if !r.Fallback && !r.Allows(scalarText(v)) {
		return catalog.BadValue(path.String(), "not one of "+strings.Join(r.EnumTexts(), ", "))
	}
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		if r.MaxBytes > 0 && len(s) > r.MaxBytes {
			return catalog.BadValue(path.String(), fmt.Sprintf("larger than %s", byteSize(r.MaxBytes)))
		}
		if r.MaxLength > 0 && utf8.RuneCountInString(s) > r.MaxLength {
			return catalog.BadValue(path.String(), fmt.Sprintf("longer than %d characters", r.MaxLength))
		}
		switch r.Format {
		case "base64", "image-base64", "video-base64", "media-base64":
			if !ValidBase64(s) {
				return catalog.BadValue(path.String(), "not valid base64 (no data: prefix, standard alphabet, padded)")
			}
			if err := checkMedia(r, s, path.String()); err != nil {
				return err
			}
		case "url":
			if !validURL(s) {
				return catalog.BadValue(path.String(), "not an absolute http or https URL")
			}
		}
	case reflect.Int, reflect.Int64, reflect.Uint64, reflect.Float64:
		var n float64
		switch v.Kind() {
		case reflect.Int, reflect.Int64:
			n = float64(v.Int())
		case reflect.Uint64:
			n = float64(v.Uint())
		default:
			n = v.Float()
		}
		if (r.Min != nil && n < *r.Min) || (r.Max != nil && n > *r.Max) {
			return catalog.BadValue(path.String(), "out of range "+rangeText(r))
		}
	}
	return nil
}

// scalarText writes a scalar as the text Rule.Allows compares: a string as
// it is, a number or boolean as its JSON text.
func scalarText(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Int, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	}
	return ""
}

func rangeText(r *spec.Rule) string {
	lo, hi := "-∞", "∞"
	if r.Min != nil {
		lo = strconv.FormatFloat(*r.Min, 'f', -1, 64)
	}
	if r.Max != nil {
		hi = strconv.FormatFloat(*r.Max, 'f', -1, 64)
	}
	return lo + "–" + hi
}

func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + " MB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + " KB"
	}
	return strconv.Itoa(n) + " bytes"
}

// ValidBase64 reports whether s is standard, padded base64 (what Tencent's
// image parameters take; a data: URI prefix is refused). It checks without
// decoding, so an 8 MB image is validated in one pass with no allocation
// (the 8 MB Apply's latency and peak-memory goals): the alphabet check ORs a
// table entry per byte and tests once at the end.
func ValidBase64(s string) bool {
	if s == "" || len(s)%4 != 0 {
		return false
	}
	body := strings.TrimSuffix(strings.TrimSuffix(s, "="), "=")
	var bad byte
	for i := 0; i < len(body); i++ {
		bad |= notBase64[body[i]]
	}
	return bad == 0
}

// checkMedia checks that the bytes of an image-, video- or media-base64
// member are of a documented format, told by their magic bytes (the
// emulator does not look inside the file: Tencent's engines would, and a
// merchant's test images are real files).
func checkMedia(r *spec.Rule, s, path string) *catalog.Error {
	kind := SniffMedia(s)
	var want string
	switch r.Format {
	case "image-base64":
		if kind == MediaImage {
			return nil
		}
		want = "a JPEG, PNG or BMP image"
	case "video-base64":
		if kind == MediaVideo {
			return nil
		}
		want = "an MP4, MOV, AVI or FLV video"
	case "media-base64":
		if kind != MediaUnknown {
			return nil
		}
		want = "a JPEG, PNG or BMP image or an MP4, MOV, AVI or FLV video"
	default:
		return nil
	}
	reason := "the decoded bytes are not " + want
	if r.MediaError == "" {
		return catalog.BadValue(path, reason)
	}
	ce, _ := catalog.LookupAPIError(r.MediaError)
	return catalog.WithMessage(r.MediaError,
		strings.TrimSpace(ce.MessageEN+" "+path+": "+reason+"."),
		strings.TrimSpace(ce.MessageZH+" "+path+"："+reason+"。"))
}

// MediaKind is what SniffMedia finds in base64 data.
type MediaKind int

// Media kinds.
const (
	MediaUnknown MediaKind = iota
	MediaImage
	MediaVideo
)

// SniffMedia tells the kind of a base64 file from its first bytes (only
// those are decoded): JPEG, PNG and BMP are images; MP4/MOV (an ISO base
// media "ftyp" box), AVI (RIFF … "AVI ") and FLV are videos.
func SniffMedia(b64 string) MediaKind {
	const head = 16 // base64 characters: 12 bytes
	if len(b64) > head {
		b64 = b64[:head]
	} else {
		b64 = b64[:len(b64)/4*4]
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return MediaUnknown
	}
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}),
		bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")),
		bytes.HasPrefix(b, []byte("BM")) && len(b) >= 6:
		return MediaImage
	case len(b) >= 8 && string(b[4:8]) == "ftyp",
		len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "AVI ",
		bytes.HasPrefix(b, []byte("FLV\x01")):
		return MediaVideo
	}
	return MediaUnknown
}

// notBase64 is 1 for every byte outside the standard base64 alphabet.
var notBase64 = func() (t [256]byte) {
	for i := range t {
		c := byte(i)
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			t[i] = 1
		}
	}
	return t
}()

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// isAbsent: a nil pointer, slice or interface (the decoders leave absent
// parameters nil).
func isAbsent(f reflect.Value) bool {
	switch f.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Interface, reflect.Map:
		return f.IsNil()
	}
	return false
}

// fieldPlans memoises, per spec object and model type, the model's field
// index of each member (-1 when the model lacks it), so that validating a
// call looks no field up by name. Both keys are immutable, so the memo
// never changes behaviour.
var fieldPlans sync.Map // planKey -> []int

type planKey struct {
	obj *spec.Object
	t   reflect.Type
}

func fieldPlan(obj *spec.Object, t reflect.Type) []int {
	key := planKey{obj, t}
	if p, ok := fieldPlans.Load(key); ok {
		return p.([]int)
	}
	plan := make([]int, len(obj.Members))
	for i, m := range obj.Members {
		plan[i] = -1
		if f, ok := fieldIndex(t, m.Name); ok {
			plan[i] = f
		}
	}
	p, _ := fieldPlans.LoadOrStore(key, plan)
	return p.([]int)
}

// fieldIndexes memoises, per model type, the field index of each json
// name. A type's table is computed once and never changes, so the memo
// never changes behaviour (as in package params).
var fieldIndexes sync.Map // reflect.Type -> map[string]int

// fieldByJSONName finds the struct field whose json tag names the member.
func fieldByJSONName(v reflect.Value, name string) reflect.Value {
	if i, ok := fieldIndex(v.Type(), name); ok {
		return v.Field(i)
	}
	return reflect.Value{}
}

// fieldIndex is the index of the field of t whose json tag names name.
func fieldIndex(t reflect.Type, name string) (int, bool) {
	idx, ok := fieldIndexes.Load(t)
	if !ok {
		m := make(map[string]int, t.NumField())
		for i := 0; i < t.NumField(); i++ {
			tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			m[tag] = i
		}
		idx, _ = fieldIndexes.LoadOrStore(t, m)
	}
	i, ok := idx.(map[string]int)[name]
	return i, ok
}
