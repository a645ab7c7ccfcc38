package control

import (
	"net/http"
	"strconv"
)

// Paging of the list routes: an answer is bounded however much the
// emulator holds (issue 15: an unpaged GET /_emulator/sessions at 80k
// sessions answered 101 MiB). A page holds the newest matches, listed
// oldest first; offset skips that many newer matches, so offset=NextOffset
// reads the page of older ones.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
	// The scenario list's default is its maximum: the dashboard and
	// tools read the whole library (a few hundred scenarios) in one call.
	defaultScenarioPage = MaxPageSize
)

// PageJSON describes the page a list route answered.
type PageJSON struct {
	// Limit is the page size applied; Offset how many newer matches were
	// skipped.
	Limit  int `json:"Limit"`
	Offset int `json:"Offset"`
	// NextOffset is the offset of the next page (older matches); absent on
	// the last page.
	NextOffset *int `json:"NextOffset,omitempty"`
	// Order is always "oldest-first": the page is the newest matches after
	// Offset, oldest first.
	Order string `json:"Order"`
}

func newPage(limit, offset, total int) PageJSON {
	p := PageJSON{Limit: limit, Offset: offset, Order: "oldest-first"}
	if next := offset + limit; next < total {
		p.NextOffset = &next
	}
	return p
}

// pageParams reads ?limit= (1..MaxPageSize, def when absent) and ?offset=
// (0 or more); on a bad value it answers 400 and returns false.
func pageParams(w http.ResponseWriter, r *http.Request, def int) (limit, offset int, ok bool) {
	q := r.URL.Query()
	limit = def
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > MaxPageSize {
			writeError(w, http.StatusBadRequest, "limit must be between 1 and "+strconv.Itoa(MaxPageSize))
			return 0, 0, false
		}
		limit = n
	}
	if raw := q.Get("offset"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "offset must be a non-negative integer")
			return 0, 0, false
		}
		offset = n
	}
	return limit, offset, true
}
