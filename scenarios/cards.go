package scenarios

import (
	"slices"

	"github.com/faceid-emulator/faceid-emulator/catalog"
)

// allCardFields is the sorted union of the fields of the 12 card types.
func allCardFields() []string {
	var all []string
	for _, t := range catalog.IDCardTypes() {
		all = append(all, catalog.CardFields(t)...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}
