package faceid

import (
	"time"

	"github.com/google/uuid"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// Default similarity scores when a scenario gives none: the scenario
// format's documented defaults.
const (
	passSimilarity = scenarios.DefaultPassSimilarity
	lowSimilarity  = scenarios.DefaultLowSimilarity
)

// compareRuns reports whether the session's CheckMode includes a face
// comparison.
func compareRuns(cfg WebConfig) bool { return cfg.CheckMode == 1 || cfg.CheckMode == 2 }

// livenessRuns reports whether the session's CheckMode includes liveness.
func livenessRuns(cfg WebConfig) bool { return cfg.CheckMode != 4 }

// attemptFromCode builds one attempt whose result is code, as a button on
// the page, the outcome shortcut or the control API chooses it: the attempt
// scenarios.AttemptsFor gives, and for a process-level code an attempt
// stopped at the liveness stage with that code.
func attemptFromCode(cfg WebConfig, code int, similarity *float64, at time.Time) Attempt {
	c := code
	sa := scenarios.Attempt{Liveness: code, ErrorCode: &c}
	if atts := scenarios.AttemptsFor(code); len(atts) == 1 {
		sa = atts[0]
		if sa.Compare != nil && !compareRuns(cfg) {
			// No comparison runs in this CheckMode, so the code can only be
			// carried by the attempt itself.
			sa.ErrorCode = &c
		}
	}
	sa.Similarity = similarity
	return buildAttempt(cfg, sa, at)
}

// resolveOptions describes the session to the scenario rules.
func resolveOptions(cfg WebConfig) scenarios.ResolveOptions {
	return scenarios.ResolveOptions{
		Compare:    compareRuns(cfg),
		Plus:       cfg.Version == "PLUS",
		RetryLimit: int(cfg.LivenessRetryLimit),
		OCROnly:    !livenessRuns(cfg),
	}
}

// buildAttempt resolves a scripted attempt against the session's Config and
// stamps it.
func buildAttempt(cfg WebConfig, sa scenarios.Attempt, at time.Time) Attempt {
	ao := scenarios.ResolveAttempt(sa, resolveOptions(cfg))
	return Attempt{
		Seq:               uuid.NewString(),
		ReqTimestampMS:    at.UnixMilli(),
		ErrorCode:         ao.ErrorCode,
		LivenessErrorCode: ao.LivenessErrorCode,
		CompareErrorCode:  ao.CompareErrorCode,
		Similarity:        ao.Similarity,
		LivenessInfoTag:   ao.LivenessInfoTag,
	}
}

// scriptedAttempts returns the attempts a scenario plays in the session.
func scriptedAttempts(sc *scenarios.Scenario, cfg WebConfig) []scenarios.Attempt {
	return sc.PlayedAttempts(resolveOptions(cfg))
}

// finalResult decides the session's final code and message. A scenario's
// own rules decide a scripted session; for attempts the user chose on the
// page, a run of failures that used up the retry limit is 16 and anything
// else is the last attempt's code.
func finalResult(sc *scenarios.Scenario, cfg WebConfig, attempts []Attempt) (int, string) {
	if sc != nil {
		out := sc.Resolve(resolveOptions(cfg))
		return out.ErrorCode, out.ErrorMsg
	}
	code := catalog.ResultPass
	if n := len(attempts); n > 0 {
		code = attempts[n-1].ErrorCode
		if code != catalog.ResultPass && int64(n) >= cfg.LivenessRetryLimit {
			code = catalog.ResultRetryLimit
		}
	}
	return code, catalog.ResultMessage(code)
}

// resultOf builds the stored final result for a session completed with the
// given code.
func resultOf(sc *scenarios.Scenario, cfg WebConfig, code int, msg, source string, attempted bool) *Result {
	r := &Result{ErrorCode: code, ErrorMsg: msg, BestFrame: "none", Video: "none", Source: source}
	if attempted {
		r.BestFrame, r.Video = "sample", "sample"
		if sc != nil {
			if sc.Media.BestFrame != "" {
				r.BestFrame = sc.Media.BestFrame
			}
			if sc.Media.Video != "" {
				r.Video = sc.Media.Video
			}
		}
	}
	if cfg.CheckMode == 1 || cfg.CheckMode == 4 {
		ocr := &OCR{IsPass: true, RequestID: uuid.NewString()}
		if sc != nil && sc.OCR != nil {
			if sc.OCR.IsPass != nil {
				ocr.IsPass = *sc.OCR.IsPass
			}
			ocr.Fields = sc.OCR.Fields
			ocr.WarnCardInfos = sc.OCR.WarnCardInfos
		}
		r.OCR = ocr
	}
	return r
}

// complete marks sess completed with result r.
func complete(sess *store.Session, r *Result, at time.Time) {
	sess.State = store.StateCompleted
	webData(sess).Result = r
	t := at
	sess.CompletedAt = &t
	flow.AddEvent(sess, at, "completed", "result %d (%s)", r.ErrorCode, r.Source)
}
