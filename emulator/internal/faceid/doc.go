// Package faceid implements the faceid 2018-03-01 web-verification actions
// (ApplyWebVerificationBizTokenIntl, GetWebVerificationResultIntl) and the
// web flow behind them (Web, a flow.Flow): pending, completed by the page,
// the control API or scripted polls, expired after 10 minutes (result 15),
// and gone after 3 days (BizTokenExpired). The flow's part of a session is
// WebData.
//
// Sessions live in a flow.Hub: the actions and the page's operations
// (Service) go through it and never touch the store; the control API
// drives web sessions through the hub and Web's flow.Flow methods.
package faceid
