// Package schematest compares package schema with
// github.com/santhosh-tekuri/jsonschema/v6, the oracle. It is imported by
// tests only: it links the general JSON Schema library that package schema
// exists to keep out of the emulator binary (see its doc).
package schematest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/faceid-emulator/faceid-emulator/scenarios/internal/schema"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// DefaultURL names a schema document without $id for the oracle.
const DefaultURL = "https://schematest.invalid/schema.json"

// Pair is a schema compiled by both validators.
type Pair struct {
	Ours   *schema.Schema
	Oracle *jsonschema.Schema
}

// Compile compiles doc (JSON) with both validators; url is the document's
// location for the oracle ($id, if any, wins).
func Compile(doc []byte, url string) (*Pair, error) {
	ours, err := schema.Compile(doc)
	if err != nil {
		return nil, fmt.Errorf("ours: %w", err)
	}
	oracle, err := CompileOracle(doc, url)
	if err != nil {
		return nil, err
	}
	return &Pair{ours, oracle}, nil
}

// CompileOracle compiles doc (JSON) with santhosh-tekuri/jsonschema as
// draft 2020-12.
func CompileOracle(doc []byte, url string) (*jsonschema.Schema, error) {
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("oracle: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(url, raw); err != nil {
		return nil, fmt.Errorf("oracle: %w", err)
	}
	oracle, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("oracle: %w", err)
	}
	return oracle, nil
}

// Compare validates v with both and returns a description of how they
// disagree, "" when they agree: on valid or invalid and on the multiset of
// leaf errors, each as instance location, keyword and the keyword's data.
// ours are the leaves of package schema (also returned for messages).
func (p *Pair) Compare(v any) (diff string, ours []schema.Error) {
	ours = p.Ours.Validate(v)
	got := Leaves(ours)
	want := OracleLeaves(p.Oracle.Validate(v))
	if slices.Equal(got, want) {
		return "", ours
	}
	return fmt.Sprintf("schema leaves:\n\t%s\noracle leaves:\n\t%s",
		strings.Join(got, "\n\t"), strings.Join(want, "\n\t")), ours
}

// Leaves describes the errors of package schema, sorted.
func Leaves(errs []schema.Error) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, leaf(e.InstanceLocation, ourDetail(e.Kind)))
	}
	slices.Sort(out)
	return out
}

// OracleLeaves describes the leaf errors of santhosh-tekuri/jsonschema,
// sorted; err is what its Validate returned.
func OracleLeaves(err error) []string {
	if err == nil {
		return []string{}
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []string{"not a ValidationError: " + err.Error()}
	}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			out = append(out, leaf(e.InstanceLocation, oracleDetail(e.ErrorKind)))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	slices.Sort(out)
	return out
}

func leaf(loc []string, detail string) string {
	var b strings.Builder
	for _, tok := range loc {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1"))
	}
	return fmt.Sprintf("%q %s", b.String(), detail)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func ourDetail(k schema.Kind) string {
	switch k := k.(type) {
	case *schema.AdditionalProperties:
		return fmt.Sprintf("additionalProperties %q", sorted(k.Properties))
	case *schema.Required:
		return fmt.Sprintf("required %q", k.Missing)
	case *schema.Type:
		return fmt.Sprintf("type got %s want %v", k.Got, k.Want)
	case *schema.Enum:
		return fmt.Sprintf("enum got %v want %v", k.Got, k.Want)
	case *schema.Pattern:
		return fmt.Sprintf("pattern got %q want %q", k.Got, k.Want)
	case *schema.MinProperties:
		return fmt.Sprintf("minProperties got %d want %d", k.Got, k.Want)
	case *schema.MaxProperties:
		return fmt.Sprintf("maxProperties got %d want %d", k.Got, k.Want)
	case *schema.Minimum:
		return fmt.Sprintf("minimum got %s want %s", k.Got.RatString(), k.Want.RatString())
	case *schema.Maximum:
		return fmt.Sprintf("maximum got %s want %s", k.Got.RatString(), k.Want.RatString())
	case *schema.MinLength:
		return fmt.Sprintf("minLength got %d want %d", k.Got, k.Want)
	case *schema.MinItems:
		return fmt.Sprintf("minItems got %d want %d", k.Got, k.Want)
	case *schema.UniqueItems:
		return fmt.Sprintf("uniqueItems %v", k.Duplicates)
	}
	return fmt.Sprintf("other %T %s", k, k)
}

func oracleDetail(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.AdditionalProperties:
		return fmt.Sprintf("additionalProperties %q", sorted(k.Properties))
	case *kind.Required:
		return fmt.Sprintf("required %q", k.Missing)
	case *kind.Type:
		return fmt.Sprintf("type got %s want %v", k.Got, k.Want)
	case *kind.Enum:
		return fmt.Sprintf("enum got %v want %v", k.Got, k.Want)
	case *kind.Pattern:
		return fmt.Sprintf("pattern got %q want %q", k.Got, k.Want)
	case *kind.MinProperties:
		return fmt.Sprintf("minProperties got %d want %d", k.Got, k.Want)
	case *kind.MaxProperties:
		return fmt.Sprintf("maxProperties got %d want %d", k.Got, k.Want)
	case *kind.Minimum:
		return fmt.Sprintf("minimum got %s want %s", k.Got.RatString(), k.Want.RatString())
	case *kind.Maximum:
		return fmt.Sprintf("maximum got %s want %s", k.Got.RatString(), k.Want.RatString())
	case *kind.MinLength:
		return fmt.Sprintf("minLength got %d want %d", k.Got, k.Want)
	case *kind.MinItems:
		return fmt.Sprintf("minItems got %d want %d", k.Got, k.Want)
	case *kind.UniqueItems:
		return fmt.Sprintf("uniqueItems %v", k.Duplicates)
	}
	return fmt.Sprintf("oracle-only kind %T %v", k, k.KeywordPath())
}
