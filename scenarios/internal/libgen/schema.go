package libgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/faceid-emulator/faceid-emulator/spec"
)

// SchemaAPI rewrites the "api" definition of schema.json so that its keys
// are the actions of the embedded API specs and "*": the schema's list of
// action names is derived from the spec, never kept by hand. The rest of the
// document is left byte for byte.
func SchemaAPI(schema []byte) ([]byte, error) {
	const key = "\n    \"api\": {"
	start := bytes.Index(schema, []byte(key))
	if start < 0 {
		return nil, errors.New("schema.json: no $defs.api")
	}
	start++ // keep the newline
	end, err := closingBrace(schema, start+len(key)-2)
	if err != nil {
		return nil, err
	}
	def := map[string]any{
		"type":                 "object",
		"description":          "API-level behaviour per action (an action name of the API spec). A call uses the entry of its action, else the \"*\" entry.",
		"additionalProperties": false,
	}
	props := map[string]any{"*": map[string]string{"$ref": "#/$defs/apiBehavior"}}
	for _, name := range spec.AllActionNames() {
		props[name] = map[string]string{"$ref": "#/$defs/apiBehavior"}
	}
	def["properties"] = props
	body, err := json.MarshalIndent(def, "    ", "  ")
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Write(schema[:start])
	out.WriteString(`    "api": `)
	out.Write(body)
	out.Write(schema[end+1:])
	return out.Bytes(), nil
}

// closingBrace returns the index of the brace closing the object that opens
// at open, skipping strings.
func closingBrace(b []byte, open int) (int, error) {
	if b[open] != '{' {
		return 0, fmt.Errorf("schema.json: expected { at %d", open)
	}
	depth, inString := 0, false
	for i := open; i < len(b); i++ {
		c := b[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				return i, nil
			}
		}
	}
	return 0, errors.New("schema.json: unbalanced braces")
}
