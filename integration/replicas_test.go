package integration

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator"
	"github.com/faceid-emulator/faceid-emulator/internal/redistest"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

// Several replicas on one shared store (EMULATOR_STORE): every control
// route and API action answers as one emulator would, whichever replica
// takes the call; only the request journal is per replica. The engine is a
// valkey-server or redis-server process the test starts (redistest).

// waitReadyStatus polls GET /_emulator/ready until it answers want.
func waitReadyStatus(t testing.TB, base string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	client := &http.Client{Timeout: time.Second}
	last := 0
	for time.Now().Before(deadline) {
		if resp, err := client.Get(base + "/_emulator/ready"); err == nil {
			resp.Body.Close()
			if last = resp.StatusCode; last == want {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s/_emulator/ready: %d, want %d within %v", base, last, want, within)
}

// startReplica starts the binary on the engine and waits until it is ready.
func startReplica(t testing.TB, e *redistest.Server, env ...string) *process {
	t.Helper()
	p := startBinary(t, append([]string{"EMULATOR_STORE=" + e.URL(0)}, env...)...)
	waitReadyStatus(t, p.BaseURL, http.StatusOK, 10*time.Second)
	return p
}

// inProcessReplica is an in-process emulator on the engine (for -race).
func inProcessReplica(t testing.TB, e *redistest.Server) *target {
	t.Helper()
	tg := inProcess(t, emulator.Options{Store: e.URL(0)})
	waitReadyStatus(t, tg.BaseURL, http.StatusOK, 10*time.Second)
	return tg
}

type sessionJSON struct {
	Token      string
	SecretId   string
	State      string
	PageOpened bool
	Extra      *string
	Result     *struct{ ErrorCode int }
}

type clockJSON struct {
	Offset string `json:"offset"`
}

func TestReplicasShareState(t *testing.T) {
	e := redistest.Start(t)
	a, b := startReplica(t, e), startReplica(t, e)
	ca, cb := goClient(a.target, credMain), goClient(b.target, credMain)

	// Apply on A, page on B, Get on A.
	tok, link := apply(t, ca, map[string]any{"Extra": "shared-1"})
	pageURL := strings.Replace(link, a.BaseURL, b.BaseURL, 1)
	if !strings.HasPrefix(pageURL, b.BaseURL) {
		t.Fatalf("VerificationURL %q does not point at replica A", link)
	}
	resp, err := http.Get(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), tok) {
		t.Errorf("page on B: %d, token in page %v", resp.StatusCode, strings.Contains(string(page), tok))
	}
	var s sessionJSON
	if code := controlJSON(t, "GET", a.BaseURL+"/_emulator/sessions/"+tok, nil, &s); code != 200 || !s.PageOpened || s.State != "pending" {
		t.Errorf("A sees the page opened on B: %d %+v", code, s)
	}
	got, err := call(ca, "GetWebVerificationResultIntl", map[string]any{"BizToken": tok})
	if err != nil || got["Extra"] != "shared-1" || got["ErrorCode"] != nil {
		t.Errorf("Get on A of a pending session: %v %v", got, err)
	}

	// Control complete on B, result on A.
	if code := controlJSON(t, "POST", b.BaseURL+"/_emulator/sessions/"+tok+"/complete", map[string]any{"ErrorCode": 0, "Similarity": 93.5}, nil); code != 200 {
		t.Fatalf("complete on B: %d", code)
	}
	got, err = call(ca, "GetWebVerificationResultIntl", map[string]any{"BizToken": tok})
	if err != nil || fmt.Sprint(got["ErrorCode"]) != "0" {
		t.Errorf("Get on A after completion on B: %v %v", got, err)
	}
	if code := controlJSON(t, "POST", a.BaseURL+"/_emulator/sessions/"+tok+"/complete", nil, nil); code != http.StatusConflict {
		t.Errorf("second completion on A: %d, want 409", code)
	}

	// Clock advance on A seen by B at once, and by B's lifetimes: a
	// session made on B is expired when read on A 11 minutes later.
	pending, _ := apply(t, cb, nil)
	var clk clockJSON
	if code := controlJSON(t, "POST", a.BaseURL+"/_emulator/clock", map[string]any{"advance": "11m"}, &clk); code != 200 || clk.Offset != "11m0s" {
		t.Fatalf("advance on A: %d %+v", code, clk)
	}
	if controlJSON(t, "GET", b.BaseURL+"/_emulator/clock", nil, &clk); clk.Offset != "11m0s" {
		t.Errorf("B's clock after A's advance: %+v", clk)
	}
	if controlJSON(t, "GET", a.BaseURL+"/_emulator/sessions/"+pending, nil, &s); s.State != "expired" {
		t.Errorf("B's session on A after 11 minutes: %s, want expired", s.State)
	}

	// An upload link made by A takes the PUT on B and serves the file on A.
	up, err := call(ca, "CreateUploadUrl", map[string]any{"TargetAction": "DetectReflectLivenessAndCompare"})
	if err != nil {
		t.Fatal(err)
	}
	uploadURL, _ := up["UploadUrl"].(string)
	resourceURL, _ := up["ResourceUrl"].(string)
	payload := []byte("\xff\xd8\xff\xe0 shared upload")
	req, _ := http.NewRequest(http.MethodPut, strings.Replace(uploadURL, a.BaseURL, b.BaseURL, 1), strings.NewReader(string(payload)))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("PUT of A's upload link on B: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if code, body, err := loadControl(http.MethodGet, resourceURL, nil); err != nil || code != 200 || string(body) != string(payload) {
		t.Errorf("GET of the upload on A: %d %q %v", code, body, err)
	}

	// Reset of one namespace on A seen by both; the other namespace stays.
	other, _ := apply(t, goClient(b.target, credOther), nil)
	var res struct{ Deleted int }
	controlJSON(t, "POST", a.BaseURL+"/_emulator/reset?secretId="+credOther.SecretID, nil, &res)
	if res.Deleted != 1 {
		t.Errorf("reset of the other namespace deleted %d", res.Deleted)
	}
	for _, p := range []*process{a, b} {
		if code := controlJSON(t, "GET", p.BaseURL+"/_emulator/sessions/"+other, nil, nil); code != 404 {
			t.Errorf("%s: reset session answers %d", p.BaseURL, code)
		}
		var list struct{ Total int }
		controlJSON(t, "GET", p.BaseURL+"/_emulator/sessions?secretId="+credMain.SecretID, nil, &list)
		if list.Total != 2 {
			t.Errorf("%s: %d sessions of the main namespace, want 2", p.BaseURL, list.Total)
		}
	}
	if _, err := call(goClient(a.target, credOther), "GetWebVerificationResultIntl", map[string]any{"BizToken": other}); sdkCode(err) != "InvalidParameterValue.BizTokenIllegal" {
		t.Errorf("Get of a reset session on A: %v", err)
	}
	// A full reset on B drops everything and A's clock offset.
	controlJSON(t, "POST", b.BaseURL+"/_emulator/reset", nil, nil)
	if controlJSON(t, "GET", a.BaseURL+"/_emulator/clock", nil, &clk); clk.Offset != "0s" {
		t.Errorf("A's clock after B's full reset: %+v", clk)
	}
	var list struct{ Total int }
	if controlJSON(t, "GET", a.BaseURL+"/_emulator/sessions", nil, &list); list.Total != 0 {
		t.Errorf("A lists %d sessions after B's full reset", list.Total)
	}
	// The journal stays per replica.
	var reqs struct{ Total int }
	controlJSON(t, "GET", b.BaseURL+"/_emulator/requests?token="+tok, nil, &reqs)
	if reqs.Total != 0 {
		t.Errorf("B's journal has %d records of A's calls on %s", reqs.Total, tok)
	}
}

// TestReplicasLoad: 64 clients spread over two in-process replicas (so
// that -race sees the emulator code) create, read and complete sessions
// crosswise; every session ends with its own client's data.
func TestReplicasLoad(t *testing.T) {
	e := redistest.Start(t)
	reps := []*target{inProcessReplica(t, e), inProcessReplica(t, e)}
	const clients, rounds = 64, 5
	results := []int{0, 1002, 2016} // a pass and two failures, by client
	var wg sync.WaitGroup
	var mu sync.Mutex
	made := map[string]string{}
	for w := range clients {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			here, there := reps[w%2], reps[(w+1)%2]
			ch, ct := goClient(here, credMain), goClient(there, credMain)
			for i := range rounds {
				extra := fmt.Sprintf("load-%d-%d", w, i)
				resp, err := call(ch, "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://merchant.example/cb", "Extra": extra})
				tok, _ := resp["BizToken"].(string)
				if err != nil || tok == "" {
					t.Errorf("client %d: Apply: %v", w, err)
					return
				}
				mu.Lock()
				made[tok] = extra
				mu.Unlock()
				code := w % len(results)
				if c, _, err := loadControl("POST", there.BaseURL+"/_emulator/sessions/"+tok+"/complete", map[string]any{"ErrorCode": results[code]}); err != nil || c != 200 {
					t.Errorf("client %d: complete on the other replica: %d %v", w, c, err)
					return
				}
				got, err := call(ct, "GetWebVerificationResultIntl", map[string]any{"BizToken": tok})
				if err != nil || got["Extra"] != extra || fmt.Sprint(got["ErrorCode"]) != fmt.Sprint(results[code]) {
					t.Errorf("client %d: Get %s: Extra %v ErrorCode %v (%v), want %s %d", w, tok, got["Extra"], got["ErrorCode"], err, extra, results[code])
					return
				}
			}
		}(w)
	}
	wg.Wait()
	var list struct {
		Total    int
		Sessions []sessionJSON
	}
	controlJSON(t, "GET", reps[1].BaseURL+"/_emulator/sessions?secretId="+credMain.SecretID, nil, &list)
	if list.Total != clients*rounds || len(made) != clients*rounds {
		t.Errorf("%d sessions listed, %d made, want %d", list.Total, len(made), clients*rounds)
	}
	for _, s := range list.Sessions {
		if s.Extra == nil || made[s.Token] != *s.Extra || s.State != "completed" {
			t.Errorf("session %s listed as %+v, made with Extra %q", s.Token, s, made[s.Token])
		}
	}
}

// TestReplicasKill9: a replica killed with SIGKILL in the middle of a load
// loses no answered Apply or completion: the other replica has them all.
func TestReplicasKill9(t *testing.T) {
	e := redistest.Start(t)
	a, b := startReplica(t, e), startReplica(t, e)
	load := startAnsweredLoad(8, "kill", func(w int) *process { return []*process{a, b}[w%2] })
	load.waitApplies(200, 20*time.Second)
	if err := a.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-a.done
	a.done <- nil
	// B keeps serving while A is gone.
	load.waitApplies(300, 20*time.Second)
	sessions := load.finish()
	if len(sessions) < 100 {
		t.Fatalf("only %d Applies answered", len(sessions))
	}
	if n := load.failed[b]; n > 0 {
		t.Errorf("%d Applies on the surviving replica not answered", n)
	}
	c := goClient(b.target, credMain)
	lost := 0
	for _, s := range sessions {
		got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": s.token})
		if err != nil || got["Extra"] != s.extra {
			lost++
			t.Errorf("%s: %v %v, want Extra %s", s.token, got["Extra"], err, s.extra)
			continue
		}
		if s.completed && fmt.Sprint(got["ErrorCode"]) != "0" {
			lost++
			t.Errorf("%s: answered completion lost: ErrorCode %v", s.token, got["ErrorCode"])
		}
	}
	t.Logf("replica A killed with SIGKILL; %d answered Applies all read back through B (%d lost)", len(sessions), lost)
}

// TestReplicasEngineLost: the engine stopped mid-run makes API calls answer
// InternalError quickly, health stay 200, ready 503 and the shared control
// routes 503; when it is back the replica recovers without a restart. A
// replica started before its engine waits for it, not ready meanwhile.
func TestReplicasEngineLost(t *testing.T) {
	e := redistest.Start(t)
	e.Stop()
	p := startBinaryServing(t, "EMULATOR_STORE="+e.URL(0))
	waitReadyStatus(t, p.BaseURL, http.StatusServiceUnavailable, 5*time.Second)
	waitFor(t, 5*time.Second, "a message about the engine at start", func() bool {
		return strings.Contains(p.Stderr.String(), "waiting for the session store")
	})
	e.Restart(t)
	waitReadyStatus(t, p.BaseURL, http.StatusOK, 10*time.Second)

	c := goClient(p.target, credMain)
	tok, _ := apply(t, c, nil)
	e.Stop()
	for _, step := range []struct {
		action string
		params map[string]any
	}{
		{"ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://merchant.example/cb"}},
		{"GetWebVerificationResultIntl", map[string]any{"BizToken": tok}},
	} {
		start := time.Now()
		_, err := call(c, step.action, step.params)
		if sdkCode(err) != "InternalError" {
			t.Errorf("%s with the engine stopped: %v, want InternalError", step.action, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s took %v to fail", step.action, d)
		}
	}
	if code, _, _ := loadControl("GET", p.BaseURL+"/_emulator/health", nil); code != 200 {
		t.Errorf("health with the engine stopped: %d", code)
	}
	waitReadyStatus(t, p.BaseURL, http.StatusServiceUnavailable, 5*time.Second)
	if code, _, _ := loadControl("GET", p.BaseURL+"/_emulator/sessions", nil); code != http.StatusServiceUnavailable {
		t.Errorf("sessions with the engine stopped: %d, want 503", code)
	}
	if code, _, _ := loadControl("GET", p.BaseURL+"/_emulator/requests", nil); code != 200 {
		t.Errorf("the journal (per replica) with the engine stopped: %d", code)
	}

	e.Restart(t)
	waitReadyStatus(t, p.BaseURL, http.StatusOK, 10*time.Second)
	tok2, _ := apply(t, c, nil)
	if got, err := call(c, "GetWebVerificationResultIntl", map[string]any{"BizToken": tok2}); err != nil || got["ErrorCode"] != nil {
		t.Errorf("Get after recovery: %v %v", got, err)
	}
	if !strings.Contains(p.Stderr.String(), "session store unreachable") {
		t.Errorf("no message about the lost engine:\n%s", p.Stderr)
	}
}

// TestReplicasEngineRestartUnderLoad: clients keep Applying on one
// replica and reading on the other while the engine stops and comes back
// (empty: it runs without persistence). Every call answers at once with
// success or InternalError (or BizTokenIllegal for a session made before
// the engine lost its data), and once both replicas are ready again every
// pair of calls succeeds.
func TestReplicasEngineRestartUnderLoad(t *testing.T) {
	e := redistest.Start(t)
	reps := []*process{startReplica(t, e), startReplica(t, e)}
	const clients = 8
	var (
		phase   atomic.Int32 // 0 up, 1 engine stopped or restarting, 2 ready again
		wg      sync.WaitGroup
		stop    atomic.Bool
		mu      sync.Mutex
		errs    = map[string]int{}
		pairsOK [3]atomic.Int64
	)
	for w := range clients {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			ca, cb := goClient(reps[w%2].target, credMain), goClient(reps[(w+1)%2].target, credMain)
			note := func(what string, err error, d time.Duration) {
				mu.Lock()
				defer mu.Unlock()
				errs[what+" "+sdkCode(err)]++
				if d > 5*time.Second {
					t.Errorf("client %d: %s took %v (%v)", w, what, d, err)
				}
			}
			for i := 0; !stop.Load(); i++ {
				extra := fmt.Sprintf("restart-%d-%d", w, i)
				applyPhase := phase.Load()
				start := time.Now()
				resp, err := call(ca, "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://merchant.example/cb", "Extra": extra})
				if err != nil {
					note("Apply", err, time.Since(start))
					if code := sdkCode(err); code != "InternalError" {
						t.Errorf("client %d: Apply answered %v", w, err)
					}
					continue
				}
				tok, _ := resp["BizToken"].(string)
				start = time.Now()
				got, err := call(cb, "GetWebVerificationResultIntl", map[string]any{"BizToken": tok})
				switch code := sdkCode(err); {
				case err == nil && got["Extra"] == extra:
					pairsOK[phase.Load()].Add(1)
				case err == nil:
					t.Errorf("client %d: Get %s answered Extra %v, want %s", w, tok, got["Extra"], extra)
				case code == "InternalError", code == "InvalidParameterValue.BizTokenIllegal" && applyPhase < 2:
					note("Get", err, time.Since(start))
				default:
					t.Errorf("client %d: Get of a session made in phase %d answered %v", w, applyPhase, err)
				}
			}
		}(w)
	}
	waitPairs := func(ph int, n int64) {
		deadline := time.Now().Add(20 * time.Second)
		for pairsOK[ph].Load() < n && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := pairsOK[ph].Load(); got < n {
			t.Errorf("phase %d: %d good pairs, want %d", ph, got, n)
		}
	}
	waitPairs(0, 100)
	phase.Store(1)
	e.Stop()
	for _, p := range reps {
		waitReadyStatus(t, p.BaseURL, http.StatusServiceUnavailable, 5*time.Second)
	}
	e.Restart(t)
	for _, p := range reps {
		waitReadyStatus(t, p.BaseURL, http.StatusOK, 10*time.Second)
	}
	phase.Store(2)
	waitPairs(2, 100)
	stop.Store(true)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if errs["Apply InternalError"]+errs["Get InternalError"] == 0 {
		t.Errorf("no InternalError while the engine was stopped: %v", errs)
	}
	t.Logf("good pairs before/during/after: %d/%d/%d; errors %v", pairsOK[0].Load(), pairsOK[1].Load(), pairsOK[2].Load(), errs)
}

// engineCert writes a self-signed certificate for 127.0.0.1 and its key as
// PEM files, for an engine serving TLS.
func engineCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "engine"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "engine.crt"), filepath.Join(dir, "engine.key")
	for file, block := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}

// TestReplicasTLSPassword: replicas reach an engine over rediss:// with a
// password, one from EMULATOR_STORE_PASSWORD and one from the URL, trust
// its certificate through SSL_CERT_FILE, share sessions, and never print
// the password.
func TestReplicasTLSPassword(t *testing.T) {
	const password = "engine-pass-7f3a"
	cert, key := engineCert(t)
	e := redistest.StartWith(t, redistest.Config{Password: password, TLSCert: cert, TLSKey: key})
	addr := fmt.Sprintf("127.0.0.1:%d", e.TLSPort)
	a := startBinary(t, "EMULATOR_STORE=rediss://"+addr+"/0", "EMULATOR_STORE_PASSWORD="+password, "SSL_CERT_FILE="+cert)
	b := startBinary(t, "EMULATOR_STORE=rediss://:"+password+"@"+addr+"/0", "SSL_CERT_FILE="+cert)
	for _, p := range []*process{a, b} {
		waitReadyStatus(t, p.BaseURL, http.StatusOK, 10*time.Second)
	}
	tok, _ := apply(t, goClient(a.target, credMain), map[string]any{"Extra": "over-tls"})
	if got, err := call(goClient(b.target, credMain), "GetWebVerificationResultIntl", map[string]any{"BizToken": tok}); err != nil || got["Extra"] != "over-tls" {
		t.Errorf("Get on B of A's session over TLS: %v %v", got, err)
	}
	// Without the CA the certificate is refused: never ready.
	c := startBinaryServing(t, "EMULATOR_STORE=rediss://"+addr+"/0", "EMULATOR_STORE_PASSWORD="+password)
	waitReadyStatus(t, c.BaseURL, http.StatusServiceUnavailable, 3*time.Second)
	for _, p := range []*process{a, b, c} {
		if out := p.Stdout.String() + p.Stderr.String(); strings.Contains(out, password) {
			t.Errorf("%s prints the engine password:\n%s", p.BaseURL, out)
		}
	}
}

// TestReplicasSDKFlows: a session of every SDK flow applied on one replica
// is pending on the other, completed there through the control API, and
// its result read back on the first.
func TestReplicasSDKFlows(t *testing.T) {
	e := redistest.Start(t)
	a, b := startReplica(t, e), startReplica(t, e)
	ca, cb := goClient(a.target, credMain), goClient(b.target, credMain)
	for _, fl := range sdkFlows() {
		token := fl.apply(t, a.target, ca)
		// A flow with no pending answer (reflect: its result call is the
		// detection, which completes it) is completed on B untouched.
		if fl.pending != "" {
			if code, _, err := fl.result(t, b.target, cb, token); code != fl.pending {
				t.Errorf("%s: result on B of A's fresh session %q (%v), want %q", fl.kind, code, err, fl.pending)
			}
		}
		if st := controlJSON(t, "POST", b.BaseURL+"/_emulator/sessions/"+token+"/complete", map[string]any{"Result": fl.fail}, nil); st != 200 {
			t.Fatalf("%s: complete on B = %d", fl.kind, st)
		}
		if code, _, err := fl.result(t, a.target, ca, token); code != fl.fail {
			t.Errorf("%s: result on A after completion on B %q (%v), want %q", fl.kind, code, err, fl.fail)
		}
	}
}

// TestReplicasSecretScenario: a SecretId's default scenario chosen on one
// replica decides the next call on the other, and its removal there is
// seen on the first.
func TestReplicasSecretScenario(t *testing.T) {
	e := redistest.Start(t)
	a, b := startReplica(t, e), startReplica(t, e)
	f, _ := catalog.LookupFlow("CompareFaceLiveness")
	req := validRequest(spec.Faceid().Actions["CompareFaceLiveness"].Input, nil)
	step := func(p *process, want catalog.FlowResult) {
		t.Helper()
		resp, err := call(goClient(p.target, credMain), "CompareFaceLiveness", req)
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, f, want, resp)
	}
	const low = "comparefaceliveness-compare-failedoperation-comparelowsimilarity"
	lowResult, _ := f.Lookup("FailedOperation.CompareLowSimilarity")
	step(b, f.Pass())
	putSecretScenario(t, a.target, credMain.SecretID, low)
	step(b, lowResult)
	var got struct{ Scenario string }
	if code := controlJSON(t, http.MethodGet, b.BaseURL+"/_emulator/secrets/"+credMain.SecretID+"/scenario", nil, &got); code != 200 || got.Scenario != low {
		t.Errorf("GET on B of A's choice: %d %+v", code, got)
	}
	putSecretScenario(t, b.target, credMain.SecretID, "")
	step(a, f.Pass())
}
