package scenarios

import (
	"go/build"
	"strings"
	"testing"
)

// TestNoJSONSchemaLibraryAtRuntime keeps santhosh-tekuri/jsonschema (and
// the test helper that wraps it) out of the non-test code of this package
// and of internal/schema: its package init alone costs the emulator about
// 20 ms of cold start. Tests use it as the oracle of internal/schema.
func TestNoJSONSchemaLibraryAtRuntime(t *testing.T) {
	for _, dir := range []string{".", "internal/schema"} {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pkg.Imports {
			if strings.Contains(imp, "santhosh-tekuri/jsonschema") || strings.HasSuffix(imp, "/schematest") {
				t.Errorf("%s imports %s outside tests", dir, imp)
			}
		}
	}
}
