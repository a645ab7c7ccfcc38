// Package emulatortest runs a faceid emulator for Go tests, in the style of
// net/http/httptest and miniredis: New starts one on a free 127.0.0.1 port,
// gives it a fresh random credential, and stops it when the test ends.
// Every emulator is independent, so parallel tests never see each other's
// sessions, journal or clock.
//
//	func TestKYC(t *testing.T) {
//		t.Parallel()
//		e := emulatortest.New(t)
//
//		// Point the Tencent Cloud SDK at the emulator.
//		client := common.NewCommonClient(e.SDKCredential(), "ap-singapore", e.ClientProfile())
//		// ... or, for your own faceid client: faceid.NewClient(e.SDKCredential(), "ap-singapore", e.ClientProfile())
//
//		token := applyThroughYourCode(t, client) // ApplyWebVerificationBizTokenIntl
//		e.Complete(token, 0, emulator.WithSimilarity(91.5)) // the user passed the check
//		// ... GetWebVerificationResultIntl now answers ErrorCode 0.
//
//		e.Advance(11 * time.Minute) // a pending VerificationURL expires: ErrorCode 15
//	}
//
// The SDK can also skip the network: Transport returns an http.RoundTripper
// that calls the emulator's handler in memory, for the Go SDK's
// client.WithHttpTransport. With it the SDK may keep its default endpoint
// (faceid.tencentcloudapi.com): every request goes to the emulator.
//
// The control helpers (Complete, SetScenario, Advance...) call t.Fatal on
// error, so they must be called from the test's goroutine; Server gives the
// underlying emulator.Server, whose methods return errors instead. Start
// and Close run an emulator without a testing.TB (TestMain, examples); its
// helpers then panic on error.
package emulatortest

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// Option configures New and Start.
type Option func(*config)

type config struct {
	opts emulator.Options
	dirs []string
	cred *emulator.Credential
}

// WithOptions sets the emulator.Options the emulator is built with. Unless
// they list Credentials, a fresh random credential is used; unless they set
// PublicURL, VerificationURLs point at the emulator's address.
func WithOptions(o emulator.Options) Option {
	return func(c *config) { c.opts = o }
}

// WithScenarioDir loads the scenario files of a directory (or one file)
// over the shipped library. It can be given more than once.
func WithScenarioDir(path string) Option {
	return func(c *config) { c.dirs = append(c.dirs, path) }
}

// WithCredential makes the emulator accept this credential instead of a
// random one (for code that reads its keys from fixed configuration).
func WithCredential(cred emulator.Credential) Option {
	return func(c *config) { c.cred = &cred }
}

// Emulator is a running emulator for one test.
type Emulator struct {
	srv    *emulator.Server
	hs     *httptest.Server
	cred   emulator.Credential
	fatal  func(format string, args ...any)
	helper func()
	once   sync.Once
}

// New starts an emulator for t and stops it in t.Cleanup.
func New(t testing.TB, opts ...Option) *Emulator {
	t.Helper()
	e, err := start(opts)
	if err != nil {
		t.Fatalf("emulatortest: %v", err)
	}
	e.fatal = t.Fatalf
	e.helper = t.Helper
	t.Cleanup(e.Close)
	return e
}

// Start starts an emulator outside a test (in TestMain, or an example).
// Close stops it. Its control helpers panic on error.
func Start(opts ...Option) (*Emulator, error) {
	return start(opts)
}

func start(opts []Option) (*Emulator, error) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	o := c.opts
	o.ScenarioPaths = append(append([]string(nil), o.ScenarioPaths...), c.dirs...)
	var cred emulator.Credential
	switch {
	case c.cred != nil:
		cred = *c.cred
		o.Credentials = append([]emulator.Credential{cred}, o.Credentials...)
	case len(o.Credentials) > 0:
		cred = o.Credentials[0]
	default:
		cred = RandomCredential()
		o.Credentials = []emulator.Credential{cred}
	}

	var srv *emulator.Server
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r)
	}))
	if o.PublicURL == "" {
		o.PublicURL = "http://" + hs.Listener.Addr().String()
	}
	var err error
	srv, err = emulator.New(o)
	if err != nil {
		hs.Listener.Close()
		return nil, err
	}
	hs.Start()
	srv.MarkServing()
	return &Emulator{
		srv: srv, hs: hs, cred: cred,
		fatal:  func(format string, args ...any) { panic(fmt.Sprintf(format, args...)) },
		helper: func() {},
	}, nil
}

// RandomCredential returns a fresh SecretId ("AKID" and 32 letters and
// digits) and SecretKey (32 letters and digits).
func RandomCredential() emulator.Credential {
	return emulator.Credential{SecretID: "AKID" + randomString(32), SecretKey: randomString(32)}
}

func randomString(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Close stops the emulator; New calls it in t.Cleanup. It is idempotent.
func (e *Emulator) Close() {
	e.once.Do(func() {
		e.hs.Close()
		_ = e.srv.Close()
	})
}

// URL is the emulator's base URL, "http://127.0.0.1:port".
func (e *Emulator) URL() string { return e.hs.URL }

// Endpoint is host:port, for an SDK profile's Endpoint (with scheme http).
func (e *Emulator) Endpoint() string { return strings.TrimPrefix(e.hs.URL, "http://") }

// Credential is the credential the emulator accepts (random unless set by
// WithCredential or WithOptions).
func (e *Emulator) Credential() emulator.Credential { return e.cred }

// SDKCredential is Credential for the Tencent Cloud SDK (a token
// credential when the credential has a Token).
func (e *Emulator) SDKCredential() *common.Credential {
	if e.cred.Token != "" {
		return common.NewTokenCredential(e.cred.SecretID, e.cred.SecretKey, e.cred.Token)
	}
	return common.NewCredential(e.cred.SecretID, e.cred.SecretKey)
}

// ClientProfile is an SDK client profile pointed at the emulator: Endpoint
// host:port, scheme http, a 30 s timeout, English messages.
func (e *Emulator) ClientProfile() *profile.ClientProfile {
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = e.Endpoint()
	cpf.HttpProfile.Scheme = "http"
	cpf.HttpProfile.ReqTimeout = 30
	cpf.Language = "en-US"
	return cpf
}

// Client is an http.Client that reaches the emulator without the network
// (its Transport is Transport()).
func (e *Emulator) Client() *http.Client { return &http.Client{Transport: e.Transport()} }

// Server is the underlying emulator.Server, whose control methods return
// errors instead of failing the test.
func (e *Emulator) Server() *emulator.Server { return e.srv }

func (e *Emulator) check(what string, err error) {
	if err != nil {
		e.helper()
		e.fatal("emulatortest: %s: %v", what, err)
	}
}

// Session returns the session of a token of any flow (a BizToken for the
// web flow).
func (e *Emulator) Session(token string) emulator.Session {
	e.helper()
	s, err := e.srv.Session(token)
	e.check("Session "+token, err)
	return s
}

// Sessions returns every session, oldest first.
func (e *Emulator) Sessions() []emulator.Session {
	return e.srv.Sessions(emulator.SessionFilter{})
}

// Complete finishes a pending session with a result code (0 = pass), as
// if the user had finished the verification page.
func (e *Emulator) Complete(token string, errorCode int, opts ...emulator.CompleteOption) emulator.Session {
	e.helper()
	s, err := e.srv.Complete(token, errorCode, opts...)
	e.check(fmt.Sprintf("Complete %s with %d", token, errorCode), err)
	return s
}

// Finish finishes a pending session with its own scenario (set by Apply's
// RuleId or match, SetScenario or SetOutcome), as the page would.
func (e *Emulator) Finish(token string) emulator.Session {
	e.helper()
	s, err := e.srv.Finish(token)
	e.check("Finish "+token, err)
	return s
}

// CompleteWithScenario finishes a pending session by playing a scenario.
func (e *Emulator) CompleteWithScenario(token, scenario string) emulator.Session {
	e.helper()
	s, err := e.srv.CompleteWithScenario(token, scenario)
	e.check(fmt.Sprintf("CompleteWithScenario %s with %q", token, scenario), err)
	return s
}

// SetScenario makes a loaded scenario decide a pending session's outcome.
func (e *Emulator) SetScenario(token, scenario string) emulator.Session {
	e.helper()
	s, err := e.srv.SetScenario(token, scenario)
	e.check(fmt.Sprintf("SetScenario %s to %q", token, scenario), err)
	return s
}

// SetOutcome scripts a pending session to end with errorCode when the
// user finishes the page.
func (e *Emulator) SetOutcome(token string, errorCode int, opts ...emulator.CompleteOption) emulator.Session {
	e.helper()
	s, err := e.srv.SetOutcome(token, errorCode, opts...)
	e.check(fmt.Sprintf("SetOutcome %s to %d", token, errorCode), err)
	return s
}

// SDKSession returns the session of a token of an SDK flow (selfie, ekyc,
// liveness, reflect).
func (e *Emulator) SDKSession(token string) emulator.SDKSession {
	e.helper()
	s, err := e.srv.SDKSession(token)
	e.check("SDKSession "+token, err)
	return s
}

// CompleteResult finishes a pending session of an SDK flow with a result
// code of that flow's table ("0", "1002", ...), as if the SDK had ended so.
func (e *Emulator) CompleteResult(token, code string, opts ...emulator.CompleteOption) emulator.SDKSession {
	e.helper()
	s, err := e.srv.CompleteResult(token, code, opts...)
	e.check(fmt.Sprintf("CompleteResult %s with %q", token, code), err)
	return s
}

// Advance moves the emulator's clock (token lifetimes) by d.
func (e *Emulator) Advance(d time.Duration) time.Time { return e.srv.Advance(d) }

// SetTime sets the emulator's clock (token lifetimes) to t.
func (e *Emulator) SetTime(t time.Time) { e.srv.SetTime(t) }

// Reset deletes every session and journal record and resets the clock.
func (e *Emulator) Reset() { e.srv.Reset() }

// Requests returns the request journal, oldest first.
func (e *Emulator) Requests() []emulator.Request { return e.srv.Requests() }

// ClearRequests empties the request journal.
func (e *Emulator) ClearRequests() { e.srv.ClearRequests() }

// CardSession returns the session of a CardVerificationToken (the
// card-verification flow).
func (e *Emulator) CardSession(token string) emulator.CardSession {
	e.helper()
	s, err := e.srv.CardSession(token)
	e.check("CardSession "+token, err)
	return s
}

// CompleteCard finishes a PROCESSING card verification with a Status
// ("COMPLETED", "ABNORMAL") and optional WarnInfo values; the WebhookUrl
// callback, if any, is sent.
func (e *Emulator) CompleteCard(token, status string, warnInfo ...string) emulator.CardSession {
	e.helper()
	s, err := e.srv.CompleteCard(token, status, warnInfo...)
	e.check(fmt.Sprintf("CompleteCard %s with %q", token, status), err)
	return s
}

// Webhooks lists the callback deliveries of a token (all with "").
func (e *Emulator) Webhooks(token string) []emulator.WebhookDelivery { return e.srv.Webhooks(token) }
