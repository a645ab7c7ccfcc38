package scenarios

// The web flow's actions, as the tests write scenarios for them.
const (
	ActionApply = "ApplyWebVerificationBizTokenIntl"
	ActionGet   = "GetWebVerificationResultIntl"
)
