package faceid

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/model"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// Documented limits of ApplyWebVerificationBizTokenIntl.
const (
	maxCompareImage = 8 << 20 // CompareImageBase64, as sent
	maxExtraRunes   = 1000
	// The API documents no length for these strings; they are stored with
	// the session, so each has a bound (a URL of 8 KiB is what common proxies
	// and browsers still pass; RuleIds and warning-code lists are short).
	maxRedirectURLBytes  = 8192
	maxRuleIDBytes       = 128
	maxWarningCodesBytes = 256
	defaultTheme         = "#2d72f1"
)

var (
	themeColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	languages  = map[string]bool{"en": true, "zh-cn": true, "zh-tc": true, "th": true, "id": true}
	actions    = map[string]bool{"blink": true, "mouth": true, "nod": true, "shake": true}
)

func (s *Service) apply(ctx context.Context, call *api.Call) api.Reply {
	var req model.ApplyWebVerificationBizTokenIntlRequest
	if err := call.Decode(&req); err != nil {
		return api.Reply{Err: err}
	}
	cfg, verr := validateApply(&req)
	if verr != nil {
		return api.Reply{Err: verr}
	}
	if req.CompareImageBase64 == nil || *req.CompareImageBase64 == "" {
		if cfg.CheckMode == 2 {
			call.Note("CheckMode 2 compares against CompareImageBase64, which is missing; the emulator accepts it")
		}
	}

	in := scenarios.SelectInput{
		RuleID:      deref(req.RuleId),
		Extra:       deref(req.Extra),
		RedirectURL: *req.RedirectURL,
		SecretID:    call.Common.SecretID,
	}
	sc, reason, note := s.scenarios().Select(in)
	if note != "" {
		call.Note(note)
	}
	chosen := "scenario " + sc.Name + " (" + string(reason) + ")"
	call.Note(chosen)

	latency := api.Reply{}
	if b, ok := sc.Behavior(ActionApply); ok {
		n := s.countApply(call.Common.SecretID+"\x00"+sc.Name, b)
		reply, scripted := scriptedReply(b, n)
		if scripted {
			return reply
		}
		latency = reply
	}

	now := s.now()
	sess := &store.Session{
		BizToken:        s.ids.Upper(),
		SecretID:        call.Common.SecretID,
		CreatedAt:       now,
		RedirectURL:     *req.RedirectURL,
		Extra:           req.Extra,
		RuleID:          deref(req.RuleId),
		Config:          cfg,
		HasCompareImage: req.CompareImageBase64 != nil && *req.CompareImageBase64 != "",
		Scenario:        sc.Name,
		ScenarioReason:  string(reason),
		State:           store.StatePending,
	}
	if sc.Media.BestFrame == "compare-image" && sess.HasCompareImage {
		sess.CompareImage = *req.CompareImageBase64
	}
	addEventText(sess, now, "created", chosen)
	if err := s.store.Create(sess); err != nil {
		s.log.Error("create session", "err", err)
		return api.Reply{Err: catalog.New(catalog.InternalError)}
	}
	call.BizToken = sess.BizToken

	verificationURL := call.PublicBase() + "/reflect/?token=" + sess.BizToken
	latency.Body = &model.ApplyWebVerificationBizTokenIntlResponse{
		BizToken:        sess.BizToken,
		VerificationURL: verificationURL,
		VerificationUrl: verificationURL,
		RequestId:       call.RequestID,
	}
	return latency
}

// validateApply checks the request against the documented rules and returns
// the Config with every default resolved.
func validateApply(req *model.ApplyWebVerificationBizTokenIntlRequest) (store.Config, *catalog.Error) {
	cfg := store.Config{
		CheckMode:            2,
		SecurityLevel:        3,
		ThemeColor:           defaultTheme,
		Language:             "en",
		AutoDowngrade:        1,
		LivenessRetryLimit:   99,
		LivenessTimeout:      45,
		AllowExpiredDocument: true,
		Version:              "BASIC",
	}
	if req.RedirectURL == nil || *req.RedirectURL == "" {
		return cfg, catalog.Missing("RedirectURL")
	}
	if len(*req.RedirectURL) > maxRedirectURLBytes {
		return cfg, catalog.BadValue("RedirectURL", "longer than 8192 bytes")
	}
	if err := checkRedirectURL(*req.RedirectURL); err != "" {
		return cfg, catalog.BadValue("RedirectURL", err)
	}
	if img := req.CompareImageBase64; img != nil && *img != "" {
		if len(*img) > maxCompareImage {
			return cfg, catalog.BadValue("CompareImageBase64", "the image exceeds 8 MB")
		}
		if strings.HasPrefix(*img, "data:") {
			return cfg, catalog.BadValue("CompareImageBase64", "remove the Data URI scheme header (data:...;base64,)")
		}
		if !validBase64(*img) {
			return cfg, catalog.BadValue("CompareImageBase64", "not valid base64")
		}
	}
	if req.Extra != nil && utf8.RuneCountInString(*req.Extra) > maxExtraRunes {
		return cfg, catalog.BadValue("Extra", "longer than 1000 characters")
	}
	if req.RuleId != nil && len(*req.RuleId) > maxRuleIDBytes {
		return cfg, catalog.BadValue("RuleId", "longer than 128 bytes")
	}
	c := req.Config
	if c == nil {
		return cfg, nil
	}
	setBool(&cfg.AutoSkipStartPage, c.AutoSkipStartPage)
	setBool(&cfg.AutoSkip, c.AutoSkip)
	setBool(&cfg.DisableCheckOcrWarnings, c.DisableCheckOcrWarnings)
	setBool(&cfg.SkipPrivacyPolicy, c.SkipPrivacyPolicy)
	setBool(&cfg.IdCardCutReturn, c.IdCardCutReturn)
	setBool(&cfg.AllowExpiredDocument, c.AllowExpiredDocument)

	type intRule struct {
		name     string
		v        *int64
		dst      *int64
		min, max int64
	}
	for _, r := range []intRule{
		{"Config.CheckMode", c.CheckMode, &cfg.CheckMode, 1, 4},
		{"Config.SecurityLevel", c.SecurityLevel, &cfg.SecurityLevel, 1, 4},
		{"Config.AutoDowngrade", c.AutoDowngrade, &cfg.AutoDowngrade, 1, 2},
		{"Config.LivenessRetryLimit", c.LivenessRetryLimit, &cfg.LivenessRetryLimit, 1, 99},
	} {
		if r.v == nil {
			continue
		}
		if *r.v < r.min || *r.v > r.max {
			return cfg, catalog.BadValue(r.name, "must be between "+strconv.FormatInt(r.min, 10)+" and "+strconv.FormatInt(r.max, 10))
		}
		*r.dst = *r.v
	}
	if c.LivenessTimeout != nil {
		if *c.LivenessTimeout > 600 {
			return cfg, catalog.BadValue("Config.LivenessTimeout", "must be between 0 and 600")
		}
		cfg.LivenessTimeout = *c.LivenessTimeout
	}
	if c.IDCardType != nil && *c.IDCardType != "" {
		if !catalog.IsIDCardType(*c.IDCardType) {
			return cfg, catalog.BadValue("Config.IDCardType", "unsupported document type "+strconv.Quote(*c.IDCardType))
		}
		cfg.IDCardType = *c.IDCardType
	}
	if (cfg.CheckMode == 1 || cfg.CheckMode == 4) && cfg.IDCardType == "" {
		// The console's default document; the doc's own example.
		cfg.IDCardType = "HKIDCard"
	}
	if c.ActionList != nil && *c.ActionList != "" {
		if cfg.SecurityLevel != 2 && cfg.SecurityLevel != 4 {
			return cfg, catalog.BadValue("Config.ActionList", "only allowed when SecurityLevel is 2 or 4")
		}
		if msg := checkActionList(*c.ActionList); msg != "" {
			return cfg, catalog.BadValue("Config.ActionList", msg)
		}
		cfg.ActionList = *c.ActionList
	} else if cfg.SecurityLevel == 2 || cfg.SecurityLevel == 4 {
		cfg.ActionList = "blink"
	}
	if c.ThemeColor != nil && themeColor.MatchString(*c.ThemeColor) {
		cfg.ThemeColor = strings.ToLower(*c.ThemeColor)
	}
	if c.Language != nil && languages[strings.ToLower(*c.Language)] {
		cfg.Language = strings.ToLower(*c.Language)
	}
	if c.Version != nil && *c.Version != "" {
		if *c.Version != "BASIC" && *c.Version != "PLUS" {
			return cfg, catalog.BadValue("Config.Version", "must be BASIC or PLUS")
		}
		cfg.Version = *c.Version
	}
	if c.SelectedWarningCodes != nil && *c.SelectedWarningCodes != "" {
		if len(*c.SelectedWarningCodes) > maxWarningCodesBytes {
			return cfg, catalog.BadValue("Config.SelectedWarningCodes", "longer than 256 bytes")
		}
		for _, part := range strings.Split(*c.SelectedWarningCodes, ",") {
			if _, err := strconv.Atoi(strings.TrimSpace(part)); err != nil {
				return cfg, catalog.BadValue("Config.SelectedWarningCodes", "a comma-separated list of warning codes such as -9101,-9104")
			}
		}
		cfg.SelectedWarningCodes = *c.SelectedWarningCodes
	}
	return cfg, nil
}

// checkRedirectURL accepts absolute http(s) URLs with a host.
func checkRedirectURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "not a valid URL"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "must be an absolute http or https URL"
	}
	if u.Host == "" {
		return "must include a host name"
	}
	return ""
}

func checkActionList(v string) string {
	parts := strings.Split(v, ",")
	if len(parts) > 2 {
		return "choose one or two actions"
	}
	seen := map[string]bool{}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if !actions[p] {
			return "unknown action " + strconv.Quote(p) + " (blink, mouth, nod, shake)"
		}
		if seen[p] {
			return "action " + strconv.Quote(p) + " given twice"
		}
		seen[p] = true
	}
	return ""
}

// validBase64 checks standard padded base64 without decoding, so an 8 MB
// image is validated in one pass with no allocation. The alphabet check ORs
// a table entry per byte, eight at a time, and tests once at the end,
// without a branch per byte.
func validBase64(s string) bool {
	if len(s)%4 != 0 {
		return false
	}
	pad := 0
	if strings.HasSuffix(s, "==") {
		pad = 2
	} else if strings.HasSuffix(s, "=") {
		pad = 1
	}
	body := s[:len(s)-pad]
	var bad byte
	for len(body) >= 8 {
		b := body[:8]
		bad |= notBase64[b[0]] | notBase64[b[1]] | notBase64[b[2]] | notBase64[b[3]] |
			notBase64[b[4]] | notBase64[b[5]] | notBase64[b[6]] | notBase64[b[7]]
		body = body[8:]
	}
	for i := 0; i < len(body); i++ {
		bad |= notBase64[body[i]]
	}
	return bad == 0
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

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
