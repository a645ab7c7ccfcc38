package scenarios

import "github.com/faceid-emulator/faceid-emulator/catalog"

// Default similarities when an attempt gives none.
const (
	DefaultPassSimilarity = 92.5 // passing comparison
	DefaultLowSimilarity  = 45.0 // compare 2016
)

// ResolveOptions describes the session a scenario is played in.
type ResolveOptions struct {
	// Compare is true when the comparison stage runs (CheckMode 1 or 2).
	Compare bool
	// Plus is true when Config.Version is PLUS: LivenessInfoTag is reported.
	Plus bool
	// RetryLimit is Config.LivenessRetryLimit; 0 = no limit. Attempts
	// beyond it are dropped; reaching it with every attempt failed (and no
	// result.errorCode) makes the final code 16.
	RetryLimit int
	// OCROnly is true for CheckMode 4: no liveness attempt runs, the final
	// code is result.errorCode or 0.
	OCROnly bool
}

// Outcome is the verification result a scenario produces.
type Outcome struct {
	Attempts  []AttemptOutcome // VerificationDetailList, oldest first; empty = null
	ErrorCode int
	ErrorMsg  string
}

// AttemptOutcome is one VerificationDetail.
type AttemptOutcome struct {
	ErrorCode         int
	ErrorMsg          string
	LivenessErrorCode int
	LivenessErrorMsg  string
	CompareErrorCode  *int    // nil = null (no comparison ran)
	CompareErrorMsg   *string // nil = null
	Similarity        float64 // 0 when no comparison ran
	LivenessInfoTag   []string
}

// AttemptsFor returns the attempts of a flow that ends with code and says
// nothing else: one passing attempt for 0, one attempt failing liveness with
// a liveness code, one attempt with liveness 0 and that comparison code for
// a comparison code, and none for a request, system, token or process code
// (the flow ended before any liveness attempt) or an unknown code.
func AttemptsFor(code int) []Attempt {
	switch {
	case code == catalog.ResultPass:
		return []Attempt{{}}
	case catalog.IsCompareResult(code):
		return []Attempt{{Compare: &code}}
	case catalog.IsLivenessResult(code):
		return []Attempt{{Liveness: code}}
	}
	return nil
}

// EffectiveAttempts returns the attempts with the empty-list default
// applied: without attempts, AttemptsFor(Result.ErrorCode), one passing
// attempt when no code is set.
func (s *Scenario) EffectiveAttempts() []Attempt {
	if len(s.Attempts) > 0 {
		return s.Attempts
	}
	if s.Result == nil || s.Result.ErrorCode == nil {
		return []Attempt{{}}
	}
	return AttemptsFor(*s.Result.ErrorCode)
}

// PlayedAttempts returns the attempts the scenario plays in a session: the
// effective attempts, none for an OCR-only session, at most RetryLimit.
func (s *Scenario) PlayedAttempts(o ResolveOptions) []Attempt {
	atts := s.EffectiveAttempts()
	if o.OCROnly {
		return nil
	}
	if o.RetryLimit > 0 && len(atts) > o.RetryLimit {
		atts = atts[:o.RetryLimit]
	}
	return atts
}

// Resolve computes the result of the scenario for a session, following the
// rules in the package documentation.
func (s *Scenario) Resolve(o ResolveOptions) Outcome {
	atts := s.PlayedAttempts(o)
	var out Outcome
	allFailed := len(atts) > 0
	for _, a := range atts {
		ao := ResolveAttempt(a, o)
		if ao.ErrorCode == 0 {
			allFailed = false
		}
		out.Attempts = append(out.Attempts, ao)
	}
	switch {
	case s.Result != nil && s.Result.ErrorCode != nil:
		out.ErrorCode = *s.Result.ErrorCode
	case o.RetryLimit > 0 && len(atts) == o.RetryLimit && allFailed:
		out.ErrorCode = catalog.ResultRetryLimit
	case len(out.Attempts) > 0:
		out.ErrorCode = out.Attempts[len(out.Attempts)-1].ErrorCode
	}
	if s.Result != nil && s.Result.ErrorMsg != nil {
		out.ErrorMsg = *s.Result.ErrorMsg
	} else {
		out.ErrorMsg = catalog.ResultMessage(out.ErrorCode)
	}
	return out
}

// ResolveAttempt computes one attempt's VerificationDetail codes in a
// session described by o.
func ResolveAttempt(a Attempt, o ResolveOptions) AttemptOutcome {
	ao := AttemptOutcome{
		LivenessErrorCode: a.Liveness,
		LivenessErrorMsg:  catalog.ResultMessage(a.Liveness),
	}
	code := a.Liveness
	if a.Liveness == 0 && o.Compare {
		c := 0
		if a.Compare != nil {
			c = *a.Compare
		}
		msg := catalog.ResultMessage(c)
		ao.CompareErrorCode, ao.CompareErrorMsg = &c, &msg
		switch {
		case a.Similarity != nil:
			ao.Similarity = *a.Similarity
		case c == 0:
			ao.Similarity = DefaultPassSimilarity
		case c == catalog.ResultLowSimilarity:
			ao.Similarity = DefaultLowSimilarity
		}
		code = c
	}
	if a.ErrorCode != nil {
		code = *a.ErrorCode
	}
	ao.ErrorCode, ao.ErrorMsg = code, catalog.ResultMessage(code)
	if o.Plus && a.Liveness != 0 && len(a.LivenessInfoTag) > 0 {
		ao.LivenessInfoTag = append([]string(nil), a.LivenessInfoTag...)
	}
	return ao
}
