// Package scenarios defines the scenario file format of faceid-emulator:
// YAML files that script every outcome of the eKYC web flow
// (ApplyWebVerificationBizTokenIntl → browser → GetWebVerificationResultIntl),
// of the SDK token flows and of every other action of the API specs, their
// JSON Schema (schema.json), validation with file:line problems, the
// shipped library (library/*.yaml, embedded), scenario selection for a
// call, and a hot-reloading Loader.
//
// The package imports nothing of emulator/; codes and messages come from the
// catalog package, action and member names from the spec package (so a
// scenario naming an action or answer member the spec lacks is refused).
//
// # File format
//
// A file holds either one scenario mapping or a mapping {scenarios: [...]};
// several YAML documents separated by --- are allowed. Unknown keys and wrong
// types are errors. schema.json (draft 2020-12) describes the format; add
//
//	# yaml-language-server: $schema=<path or URL of schema.json>
//
// at the top of a file for completion in editors. A minimal file:
//
//	name: spoof-then-pass
//	description: First attempt rejected as a spoof, second attempt passes.
//	attempts:
//	  - liveness: 1002
//	  - liveness: 0
//	completion: {mode: auto}
//
// # What a scenario is for
//
// For names the action ("CompareFaceLiveness") or the flow ("web", or a key
// of the catalogue's flow tables: "selfie", "ekyc", "liveness", "reflect",
// ...) a scenario is written for. Empty means the web flow, as every
// scenario was before For existed, and any action. A scenario's match rule
// selects it only for calls of the action or flow it is for; result.code
// (the string result codes of the SDK flows) is checked against the table of
// the flow it names.
//
// # Selection
//
// Set.Select picks the scenario of a call: an Apply of a token flow, or a
// call of an action answered at once:
//
//  1. RuleId names a scenario → that scenario (reason "rule-id"). A RuleId
//     naming nothing falls through, and the note says so.
//  2. The first scenario for the call's action or flow whose Match fits:
//     every rule the match sets must fit (Extra exact / prefix / regex,
//     RedirectURL regex, SecretId exact, Params: request parameters by name,
//     each exact / prefix / regex on its text).
//     Regexes are Go RE2, unanchored. Order: user files in the order given
//     (directories expanded in lexical path order), within a file by name;
//     then the shipped library, by name (reason "match").
//  3. The scenario chosen for the SecretId at run time (the control API's
//     PUT /_emulator/secrets/{SecretId}/scenario, kept in a SecretDefaults
//     and laid over the set with Set.WithSecretDefaults), else the one whose
//     DefaultFor lists the SecretId ("secret-default").
//  4. The scenario named "default" ("global-default"); the library ships one.
//
// A user scenario with the name of a shipped one replaces it everywhere.
//
// # Interpretation (what the emulator does with a scenario)
//
// Scenario.Resolve turns a scenario into the values of
// GetWebVerificationResultIntl; it is the reference for these rules.
//
// Attempts. Each attempt is one VerificationDetailList entry, oldest first.
// An omitted or empty list is decided by Result.ErrorCode
// (Scenario.EffectiveAttempts): unset or 0 → one passing attempt; a
// liveness/lip/action/silent/reflection code → one attempt failing liveness
// with it; a compare code → one attempt with liveness 0 and that compare
// code; a request/system/token/process code (1-4, 8-11, 14-17, 1409, 1410)
// → no attempt at all (the flow ended before any liveness attempt; the
// list is null). In CheckMode 4 (OCR only) no attempt runs. Per attempt:
//   - LivenessErrorCode = Liveness.
//   - The comparison runs only when Liveness is 0 and the session compares
//     (CheckMode 1 or 2): CompareErrorCode = Compare (nil → 0) and
//     Similarity = the given value, else DefaultPassSimilarity (92.5) for
//     compare 0, DefaultLowSimilarity (45) for 2016, 0 for other codes.
//     Otherwise CompareErrorCode/Msg are null and Similarity is 0; a compare
//     code is then ignored (a compare-2016 scenario passes in CheckMode 3).
//   - ErrorCode = the attempt's errorCode when given, else Liveness when
//     non-zero, else the compare code (0 when no comparison ran).
//   - LivenessInfoTag is reported only for Config.Version PLUS (else null).
//   - Messages are catalog.ResultMessage of the code.
//
// Result. ErrorCode defaults to the last attempt's ErrorCode, ErrorMsg to
// catalog.ResultMessage(ErrorCode). With ResolveOptions.RetryLimit > 0 the
// attempts are cut to the limit, and when the limit is reached with every
// attempt failed and no result.errorCode, the final code is 16.
//
// OCR. Only for CheckMode 1 and 4, built for Config.IDCardType of the Apply
// request; OCR.IDCardType is informative (it only checks the names in
// Fields). IsPass false has no ErrorCode of its own: the final ErrorCode still
// follows the attempts (faceid-api.md §5.1 "Outcomes with no documented
// number"); merchants must read OCRResult[0].IsPass and WarnCardInfos.
//
// Media. BestFrameBase64 and VideoBase64 describe the last attempt: "sample"
// (default) = a sample JPEG / MP4, "compare-image" = the CompareImageBase64 of
// the Apply request, "none" = null. With no attempt both are null.
//
// Completion. "manual" (default): the outcome is applied only by the user on
// the verification page or by the control API; "auto": when the verification
// page is opened; "polls": without a browser, the first Polls calls of
// GetWebVerificationResultIntl answer pending (nulls) and call Polls+1
// returns the result.
//
// API. For a call of action A the behaviour is API[A] if present, else
// API["*"] (no merging; see Scenario.Behavior). Response sets members of
// A's answer (names of its output model, checked against the spec) over the
// default answer; it is how an action answered at once is scripted to fail
// (CompareFaceLiveness: {response: {Result: FailedOperation.LivessDetectFail,
// ...}}). Latency delays every call.
// Error (a catalogue code, message defaulting to the catalogue text) or Fault
// replaces the answer; Times > 0 limits error/fault to the first Times calls:
// GetWebVerificationResultIntl calls are counted per session (BizToken),
// ApplyWebVerificationBizTokenIntl calls (no session yet) per credential and
// scenario, that count restarting after the first call that passes, so every
// Apply of a "throttled twice" scenario is throttled twice; calls of an
// action answered at once are counted the same way, per credential,
// scenario and action. An Apply whose
// scenario scripts an Apply error creates no session; such scenarios are
// meant to be selected by RuleId.
// API-only actions (CompareFaceLiveness, the document, bank-card and phone
// checks, ...: the tables of catalog/flow-results.json that name one
// action) answer at once, a pass by default. A scenario for one (For = the
// action) scripts its answer with API[action].Response, or with Result.Code,
// a code of the action's table: the result member, its catalogue message
// and the members depending on it (catalog.Flow.Response: Sim 0, or 45 for
// a low similarity), under the members Response sets. The library ships
// one per failure code, named <action-lowercase>-<category>-<code-slug>.
//
// Faults: "http-502" answers HTTP 502, "connection-reset" drops the TCP
// connection without an answer, "truncated-body" sends a body shorter than
// its Content-Length.
package scenarios
