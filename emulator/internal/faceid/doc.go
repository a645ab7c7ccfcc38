// Package faceid implements the faceid 2018-03-01 web-verification actions
// (ApplyWebVerificationBizTokenIntl, GetWebVerificationResultIntl) and the
// session state machine behind them: pending, completed by the page, the
// control API or scripted polls, expired after 10 minutes (result 15), and
// gone after 3 days (BizTokenExpired).
//
// The web page and the control API drive sessions only through Service's
// methods; they never touch the store.
package faceid
