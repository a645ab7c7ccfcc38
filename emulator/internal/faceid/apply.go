package faceid

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/actions"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/model"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

// The web flow's own rules beyond the spec's: the ThemeColor form (an
// invalid one falls back to the default, as documented) and the actions
// ActionList may name.
var themeColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func (s *Service) apply(_ context.Context, c *actions.Call) api.Reply {
	req := c.Request.(*model.ApplyWebVerificationBizTokenIntlRequest)
	call := c.Call
	cfg, verr := s.resolveConfig(req.Config)
	if verr != nil {
		return api.Reply{Err: verr}
	}
	if req.CompareImageBase64 == nil || *req.CompareImageBase64 == "" {
		if cfg.CheckMode == 2 {
			call.Note("CheckMode 2 compares against CompareImageBase64, which is missing; the emulator accepts it")
		}
	}

	sc, reason := c.SelectReason(FlowWeb)
	chosen := s.shared.str(c.Choice())

	latency := api.Reply{}
	if b, ok := sc.Behavior(ActionApply); ok {
		n := s.hub.Counters().Scoped(call.Common.SecretID, sc.Name, ActionApply, b.Times)
		reply, scripted := actions.Scripted(b, n)
		if scripted {
			return reply
		}
		latency = reply
	}

	d := &WebData{
		RedirectURL:     s.shared.str(*req.RedirectURL),
		Extra:           req.Extra,
		RuleID:          deref(req.RuleId),
		Config:          s.shared.config(cfg),
		HasCompareImage: req.CompareImageBase64 != nil && *req.CompareImageBase64 != "",
	}
	if sc.Media.BestFrame == "compare-image" && d.HasCompareImage {
		d.CompareImage = *req.CompareImageBase64
	}
	sess := s.hub.NewSession(FlowWeb, call.Common.SecretID, d)
	sess.Scenario = sc.Name
	sess.ScenarioReason = string(reason)
	flow.AddEvent(sess, sess.CreatedAt, "created", chosen)
	if err := s.hub.Create(sess); err != nil {
		s.log.Error("create session", "err", err)
		return api.Reply{Err: catalog.New(catalog.InternalError)}
	}
	call.Token, call.Flow = sess.Token, FlowWeb

	verificationURL := call.PublicBase() + "/reflect/?token=" + sess.Token
	latency.Body = &model.ApplyWebVerificationBizTokenIntlResponse{
		BizToken:        sess.Token,
		VerificationURL: verificationURL,
		VerificationUrl: verificationURL,
		RequestId:       call.RequestID,
	}
	return latency
}

// resolveConfig returns the Config with every default resolved. The spec
// and its rules file already checked every documented member rule (actions
// validate the call before it gets here); what is left are the rules across
// members and the web flow's defaults that depend on other members. The
// defaults themselves are the documented ones, read from the rules file.
func (s *Service) resolveConfig(c *model.WebVerificationConfigIntl) (WebConfig, *catalog.Error) {
	cfg := s.defaultConfig()
	if c == nil {
		return cfg, nil
	}
	setBool(&cfg.AutoSkipStartPage, c.AutoSkipStartPage)
	setBool(&cfg.AutoSkip, c.AutoSkip)
	setBool(&cfg.DisableCheckOcrWarnings, c.DisableCheckOcrWarnings)
	setBool(&cfg.SkipPrivacyPolicy, c.SkipPrivacyPolicy)
	setBool(&cfg.IdCardCutReturn, c.IdCardCutReturn)
	setBool(&cfg.AllowExpiredDocument, c.AllowExpiredDocument)
	for _, v := range []struct {
		src *int64
		dst *int64
	}{
		{c.CheckMode, &cfg.CheckMode},
		{c.SecurityLevel, &cfg.SecurityLevel},
		{c.AutoDowngrade, &cfg.AutoDowngrade},
		{c.LivenessRetryLimit, &cfg.LivenessRetryLimit},
	} {
		if v.src != nil {
			*v.dst = *v.src
		}
	}
	if c.LivenessTimeout != nil {
		cfg.LivenessTimeout = *c.LivenessTimeout
	}
	if c.IDCardType != nil && *c.IDCardType != "" {
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
		cfg.ActionList = *c.ActionList
	} else if cfg.SecurityLevel != 2 && cfg.SecurityLevel != 4 {
		cfg.ActionList = "" // the documented default applies to motion liveness only
	}
	if c.ThemeColor != nil && themeColor.MatchString(*c.ThemeColor) {
		cfg.ThemeColor = strings.ToLower(*c.ThemeColor)
	}
	// Language: a value outside the documented list falls back to the
	// default (the rules file marks it so); the list compares in lower case.
	if c.Language != nil {
		if l := strings.ToLower(*c.Language); s.languageRule().Allows(l) {
			cfg.Language = l
		}
	}
	if c.Version != nil && *c.Version != "" {
		cfg.Version = *c.Version
	}
	if c.SelectedWarningCodes != nil && *c.SelectedWarningCodes != "" {
		for _, part := range strings.Split(*c.SelectedWarningCodes, ",") {
			if _, err := strconv.Atoi(strings.TrimSpace(part)); err != nil {
				return cfg, catalog.BadValue("Config.SelectedWarningCodes", "a comma-separated list of warning codes such as -9101,-9104")
			}
		}
		cfg.SelectedWarningCodes = *c.SelectedWarningCodes
	}
	return cfg, nil
}

// defaultConfig is the Config with the defaults the rules file documents.
func (s *Service) defaultConfig() WebConfig {
	s.defaultsOnce.Do(func() {
		obj := spec.Faceid().Objects["WebVerificationConfigIntl"]
		defaults := map[string]json.RawMessage{}
		for _, m := range obj.Members {
			if m.Rule != nil && m.Rule.Default != nil {
				defaults[m.Name] = m.Rule.Default
			}
			if m.Name == "Language" {
				s.language = m.Rule
			}
		}
		b, _ := json.Marshal(defaults)
		if err := json.Unmarshal(b, &s.defaults); err != nil {
			panic("faceid: the rules file's WebVerificationConfigIntl defaults do not fit WebConfig: " + err.Error())
		}
	})
	return s.defaults
}

// languageRule is Config.Language's rule (its documented values).
func (s *Service) languageRule() *spec.Rule {
	s.defaultConfig()
	return s.language
}

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
