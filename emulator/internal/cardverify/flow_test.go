package cardverify

import (
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
)

// TestConstantsMatchCatalogue: the constants the flow uses (so that
// start-up does not parse the catalogue) are the catalogue's table.
func TestConstantsMatchCatalogue(t *testing.T) {
	table, ok := catalog.LookupOCRFlow(Kind)
	if !ok {
		t.Fatal("no cardverify table in catalog/ocr-results.json")
	}
	if lt, err := time.ParseDuration(table.ResultLifetime); err != nil || lt != ResultLifetime {
		t.Errorf("resultLifetime %q, the flow uses %s", table.ResultLifetime, ResultLifetime)
	}
	if table.TokenErrors.Illegal != TokenError || table.TokenErrors.Expired != TokenError {
		t.Errorf("tokenErrors %+v, the flow answers %s", table.TokenErrors, TokenError)
	}
	var codes []string
	for _, c := range table.Codes {
		codes = append(codes, c.Code)
	}
	if want := []string{StatusCompleted, StatusAbnormal, StatusProcessing}; len(codes) != 3 || codes[0] != want[0] || codes[1] != want[1] || codes[2] != want[2] {
		t.Errorf("statuses %v, want %v", codes, want)
	}
	if _, ok := catalog.LookupAPIError(TokenError); !ok {
		t.Errorf("%s is not in the error catalogue", TokenError)
	}
}

// TestBackRequired reads the documented table of the apply action.
func TestBackRequired(t *testing.T) {
	for _, tc := range []struct {
		nationality, cardType string
		backGiven, want       bool
	}{
		{"ARG", "ID_CARD", false, true},
		{"Argentina", "PASSPORT", true, false},
		{"THA", "ID_CARD", true, false},
		{"Canada", "DRIVING_LICENSE", false, false},
		{"PHL", "ID_CARD", false, true},
		{"ZZZ", "ID_CARD", true, true}, // outside the table: a back image says so
		{"ZZZ", "ID_CARD", false, false},
	} {
		if got := backRequired(tc.nationality, tc.cardType, tc.backGiven); got != tc.want {
			t.Errorf("backRequired(%s, %s, back given %v) = %v, want %v", tc.nationality, tc.cardType, tc.backGiven, got, tc.want)
		}
	}
	if n := len(backTable()); n < 60 {
		t.Errorf("only %d rows read from the documented table", n)
	}
}
