package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api/params"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/ids"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/signature"
)

// Request headers the gateway reads, in canonical form so that lookups go
// straight to the map (Header.Get canonicalises, and allocates for a
// spelling like "X-TC-TraceId").
const (
	hAuthorization = "Authorization"
	hContentType   = "Content-Type"
	hTraceID       = "X-Tc-Traceid"
	hLanguage      = "X-Tc-Language"
)

// firstValue is h.Get(key) for a key already in canonical form.
func firstValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Documented request size limits of API 3.0.
const (
	MaxTC3PostBytes = 10 << 20 // TC3 POST
	MaxV1PostBytes  = 1 << 20  // legacy signature POST
	MaxGetBytes     = 32 << 10 // GET request (query)
)

// Handler serves one action. It returns the reply to send: a response model,
// an API error, or a scripted fault. The Call is the gateway's again once
// the handler returns (it is reused): a handler keeps none of it.
type Handler func(ctx context.Context, call *Call) Reply

// Reply is what a handler answers.
type Reply struct {
	// Body is the Response object (a model with a RequestId field set from
	// Call.RequestID). Ignored when Err or Fault is set.
	Body any
	// Err is an API-level error, sent in the error envelope.
	Err *catalog.Error
	// Latency delays the answer (scripted slowness).
	Latency time.Duration
	// Fault replaces the answer with a transport fault.
	Fault Fault
}

// Fault is a scripted transport-level failure.
type Fault string

// Transport faults a scenario can script.
const (
	FaultNone            Fault = ""
	FaultHTTP502         Fault = "http-502"
	FaultConnectionReset Fault = "connection-reset"
	FaultTruncatedBody   Fault = "truncated-body"
)

// Call is one verified API call as a handler sees it.
type Call struct {
	Common    signature.Common
	RequestID string
	Header    http.Header

	publicBase string
	request    *http.Request
	body       []byte
	values     url.Values
	json       bool
	skip       func(string) bool

	// Set by handlers for the journal: the session token the call names or
	// creates (any flow's: BizToken, SdkToken, ...) and that session's flow.
	Token string
	Flow  string
	Notes []string
}

// Decode decodes the business parameters into dst, a pointer to a request
// model, and maps decoding failures to API errors.
func (c *Call) Decode(dst any) *catalog.Error {
	var perr *params.Error
	if c.json {
		perr = params.DecodeJSON(c.body, dst)
	} else {
		perr = params.DecodeValues(c.values, dst, c.skip)
	}
	if perr == nil {
		return nil
	}
	switch perr.Kind {
	case params.Unknown:
		return catalog.Unknown(perr.Param)
	case params.WrongType:
		return catalog.WrongType(perr.Param)
	default:
		if c.json {
			msg := "The request body is not a valid JSON object: " + perr.Reason
			return catalog.WithMessage(catalog.InvalidParameter, msg, "请求体不是合法的 JSON 对象："+perr.Reason)
		}
		msg := "Parameter `" + perr.Param + "` is malformed: " + perr.Reason
		return catalog.WithMessage(catalog.InvalidParameter, msg, "参数 `"+perr.Param+"` 格式错误："+perr.Reason)
	}
}

// Note records a remark about the call for the journal and the log.
func (c *Call) Note(s string) {
	if c.Notes == nil {
		// Apply notes its scenario and sometimes one remark: one allocation.
		c.Notes = make([]string, 0, 2)
	}
	c.Notes = append(c.Notes, s)
}

// PublicBase is the browser-facing base URL (scheme://host): the configured
// public URL, or the scheme and host the request came in on. It is worked
// out on first use, as only Apply needs it.
func (c *Call) PublicBase() string {
	if c.publicBase == "" && c.request != nil {
		c.publicBase = RequestBase(c.request)
	}
	return c.publicBase
}

// Record is what the gateway reports about every API request, for the
// journal and the request log. It never holds a key or image bytes.
type Record struct {
	Time      time.Time `json:"time"`
	RequestID string    `json:"requestId"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Action    string    `json:"action,omitempty"`
	Version   string    `json:"version,omitempty"`
	// Service is the service the call was routed to ("faceid", "ocr").
	Service     string                 `json:"service,omitempty"`
	Region      string                 `json:"region,omitempty"`
	SecretID    string                 `json:"secretId,omitempty"`
	SDK         string                 `json:"sdk,omitempty"`
	Scheme      string                 `json:"signatureMethod,omitempty"`
	Signature   string                 `json:"signature"` // "ok", "failed", "skipped"
	ErrorCode   string                 `json:"errorCode,omitempty"`
	Message     string                 `json:"message,omitempty"`
	Fault       string                 `json:"fault,omitempty"`
	Latency     time.Duration          `json:"-"`
	LatencyMS   float64                `json:"latencyMs"`
	Token       string                 `json:"token,omitempty"`
	Flow        string                 `json:"flow,omitempty"`
	Notes       []string               `json:"notes,omitempty"`
	Diagnostics *signature.Diagnostics `json:"diagnostics,omitempty"`
	TraceID     string                 `json:"traceId,omitempty"`
}

// Observer receives a Record for every API request.
type Observer interface {
	Observe(Record)
}

// Config configures a Gateway.
type Config struct {
	Verifier *signature.Verifier
	// IDs makes RequestIds (a new Source when nil).
	IDs *ids.Source
	// Regions accepted in X-TC-Region / Region; empty accepts any. A request
	// without a region is always accepted.
	Regions []string
	// PublicURL, when set, is the browser-facing base of generated URLs.
	PublicURL string
	// Clock stamps journal records.
	Clock    clock.Clock
	Logger   *slog.Logger
	Observer Observer
	// Available, when set, is checked before an action runs: an error (the
	// shared session store is lost) answers InternalError at once.
	Available func() error
}

// Gateway is the API 3.0 endpoint of every service added to it. It is an
// http.Handler. It knows services only by name, version and resolver.
type Gateway struct {
	cfg      Config
	regions  map[string]bool
	services []service
	bufs     sync.Pool // *respBuf for response bodies
	calls    sync.Pool // *Call
}

// service is one API served on the gateway.
type service struct {
	name, version string
	resolve       Resolver
}

// getCall and putCall recycle Calls: a Call with its signature.Common is a
// few hundred bytes per request for the garbage collector otherwise.
func (g *Gateway) getCall() *Call {
	if c, ok := g.calls.Get().(*Call); ok {
		return c
	}
	return new(Call)
}

func (g *Gateway) putCall(c *Call) {
	*c = Call{} // keep no request, body or header alive
	g.calls.Put(c)
}

// New returns a gateway with no actions registered.
func New(cfg Config) *Gateway {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.IDs == nil {
		cfg.IDs = ids.NewSource()
	}
	g := &Gateway{cfg: cfg}
	if len(cfg.Regions) > 0 {
		g.regions = make(map[string]bool, len(cfg.Regions))
		for _, r := range cfg.Regions {
			g.regions[r] = true
		}
	}
	return g
}

// Resolver finds the handler of one of a service's actions; the
// spec-driven layer resolves its actions on first use, so that start-up
// does not read the specs.
type Resolver func(action string) (Handler, bool)

// AddService makes g serve the API called name (the first label of its
// Tencent host, "faceid", "ocr") at version, its actions found by resolve.
// Services are tried in the order added. It must be called before serving.
func (g *Gateway) AddService(name, version string, resolve Resolver) {
	g.services = append(g.services, service{name: name, version: version, resolve: resolve})
}

// route finds the handler of a call, as the real endpoint would on the
// service's own host. The SDKs do not say which service they call in a way
// the gateway can rely on (Node, Java and PHP sign the endpoint's first
// label, "127" for 127.0.0.1), so a call reaches the service that has its
// action and Version; a Host whose first label names a service (as
// ocr.tencentcloudapi.com does) limits the choice to that service. An
// action of no candidate is InvalidAction, a known action at another
// version NoSuchVersion (the check order of §4.4); svc names the service
// that has the action in both cases.
func (g *Gateway) route(host, action, version string) (h Handler, svc string, err *catalog.Error) {
	only := hostService(host)
	if only != "" && !slices.ContainsFunc(g.services, func(s service) bool { return s.name == only }) {
		only = ""
	}
	for _, s := range g.services {
		if only != "" && s.name != only {
			continue
		}
		sh, ok := s.resolve(action)
		if !ok {
			continue
		}
		if s.version == version {
			return sh, s.name, nil
		}
		if svc == "" {
			svc = s.name
		}
	}
	if svc == "" {
		return nil, "", catalog.New(catalog.InvalidAction)
	}
	return nil, svc, catalog.New(catalog.NoSuchVersion)
}

// hostService is the first label of a host name with more than one label
// (ocr.localhost:8780 → ocr); "" for a bare name or an IPv6 literal.
func hostService(host string) string {
	if strings.HasPrefix(host, "[") {
		return ""
	}
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	label, rest, ok := strings.Cut(host, ".")
	if !ok || rest == "" {
		return ""
	}
	return label
}

// ServeHTTP implements the API 3.0 check order.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := Record{
		Time:      g.cfg.Clock.Now(),
		RequestID: g.cfg.IDs.Lower(),
		Method:    r.Method,
		Path:      r.URL.Path,
		TraceID:   firstValue(r.Header, hTraceID),
		Signature: "skipped",
	}
	reply, lang := g.serve(r, &rec)
	if reply.Latency > 0 {
		sleep(r.Context(), reply.Latency)
	}
	rec.Fault = string(reply.Fault)
	if reply.Err != nil {
		rec.ErrorCode = reply.Err.Code
		rec.Message = reply.Err.MessageIn(catalog.English)
	}
	g.write(w, rec.RequestID, rec.TraceID, reply, lang)
	end := time.Now()
	rec.Latency = end.Sub(start)
	rec.LatencyMS = float64(rec.Latency.Microseconds()) / 1000
	g.log(&rec, end)
	if g.cfg.Observer != nil {
		g.cfg.Observer.Observe(rec)
	}
}

func (g *Gateway) serve(r *http.Request, rec *Record) (Reply, catalog.Language) {
	lang := catalog.ParseLanguage(firstValue(r.Header, hLanguage))
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return Reply{Err: catalog.New(catalog.UnsupportedProtocol)}, lang
	}
	sreq := &signature.Request{
		Method:   r.Method,
		Host:     r.Host,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header,
	}
	call := g.getCall()
	defer g.putCall(call)
	*call = Call{RequestID: rec.RequestID, Header: r.Header, publicBase: g.cfg.PublicURL, request: r}
	tc3 := len(r.Header[hAuthorization]) > 0

	if r.Method == http.MethodGet {
		if len(r.URL.RawQuery)+len(r.URL.Path) > MaxGetBytes {
			return Reply{Err: catalog.New(catalog.RequestSizeLimitExceeded)}, lang
		}
		values := ParseForm(r.URL.RawQuery)
		call.values = values
		if !tc3 {
			sreq.Params = values
			call.skip = params.V1CommonParams
		}
	} else {
		mediaType := mediaTypeOf(firstValue(r.Header, hContentType))
		limit := int64(MaxTC3PostBytes)
		if !tc3 {
			limit = MaxV1PostBytes
		}
		body, tooBig, err := ReadBody(r, limit)
		if tooBig {
			if !tc3 {
				return Reply{Err: catalog.V1Oversize()}, lang
			}
			return Reply{Err: catalog.New(catalog.RequestSizeLimitExceeded)}, lang
		}
		if err != nil {
			en, zh := bodyReadError(err)
			return Reply{Err: catalog.WithMessage(catalog.InvalidParameter,
				"The request body could not be read: "+en, "无法读取请求体："+zh)}, lang
		}
		sreq.Body = body
		call.body = body
		switch {
		case tc3 && mediaType == "application/json":
			call.json = true
		case !tc3 && mediaType == "application/x-www-form-urlencoded":
			values := ParseForm(string(body))
			sreq.Params = values
			call.values = values
			call.skip = params.V1CommonParams
		case !tc3:
			// The real API reads legacy parameters from a form body only; any
			// other body leaves it without an Action.
			sreq.Params = url.Values{}
			call.values = url.Values{}
		}
	}
	if sreq.Params != nil {
		if l := sreq.Params.Get("Language"); l != "" {
			lang = catalog.ParseLanguage(l)
		}
	}

	common, fail := g.cfg.Verifier.Verify(sreq)
	if fail != nil {
		fillRecord(rec, fail.Common)
		rec.Signature = "failed"
		rec.Diagnostics = fail.Diagnostics
		return Reply{Err: fail.Err}, lang
	}
	fillRecord(rec, common)
	rec.Signature = "ok"
	call.Common = common
	if common.Language != "" {
		lang = catalog.ParseLanguage(common.Language)
	}

	h, svc, rerr := g.route(r.Host, common.Action, common.Version)
	rec.Service = svc
	if rerr != nil {
		return Reply{Err: rerr}, lang
	}
	if common.Region != "" && g.regions != nil && !g.regions[common.Region] {
		return Reply{Err: catalog.New(catalog.UnsupportedRegion)}, lang
	}
	if tc3 && r.Method == http.MethodPost && !call.json {
		return Reply{Err: catalog.WithMessage(catalog.InvalidParameter,
			"Content-Type `"+r.Header.Get("Content-Type")+"` is not supported with TC3-HMAC-SHA256; use application/json.",
			"TC3-HMAC-SHA256 不支持 Content-Type `"+r.Header.Get("Content-Type")+"`，请使用 application/json。")}, lang
	}
	if g.cfg.Available != nil {
		if err := g.cfg.Available(); err != nil {
			rec.Notes = append(rec.Notes, "session store unavailable")
			return Reply{Err: catalog.New(catalog.InternalError)}, lang
		}
	}
	reply := h(r.Context(), call)
	rec.Token, rec.Flow = call.Token, call.Flow
	rec.Notes = call.Notes
	return reply, lang
}

// mediaTypeOf returns the media type of a Content-Type value ("" when it does
// not parse). The spellings the SDKs send are answered without
// mime.ParseMediaType, which allocates a parameter map per call.
func mediaTypeOf(contentType string) string {
	switch contentType {
	case "application/json", "application/x-www-form-urlencoded":
		return contentType
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt
}

func fillRecord(rec *Record, c signature.Common) {
	rec.Action = c.Action
	rec.Version = c.Version
	rec.Region = c.Region
	rec.SecretID = c.SecretID
	rec.SDK = c.RequestClient
	rec.Scheme = string(c.Scheme)
}

// ReadBody reads at most limit bytes. tooBig reports a body over the limit,
// detected from Content-Length before reading when possible.
//
// A body with a known length is read into one buffer of exactly that size
// (an 8 MB image costs 8 MB, not the 16 MB a growing buffer reaches); a
// body of unknown length (chunked), or longer than announced (a hand-made
// http.Request), grows by doubling up to limit+1 bytes.
func ReadBody(r *http.Request, limit int64) (body []byte, tooBig bool, err error) {
	if r.ContentLength > limit {
		return nil, true, nil
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, false, nil
	}
	size := 512
	if r.ContentLength >= 0 {
		size = int(r.ContentLength) + 1 // +1: room to see the EOF
	}
	return readLimited(r.Body, make([]byte, 0, size), int(limit))
}

// bodyReadError words a body read failure without the socket addresses a
// net error carries.
func bodyReadError(err error) (en, zh string) {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "it did not arrive within the server's read timeout", "请求体未在服务器读取超时前到达"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection ended before the whole body arrived", "连接在请求体传输完成前结束"
	}
	return err.Error(), err.Error()
}

// readLimited appends body to buf until EOF; more than limit bytes in all
// is tooBig.
func readLimited(body io.Reader, buf []byte, limit int) ([]byte, bool, error) {
	for {
		if len(buf) > limit {
			return nil, true, nil
		}
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(max(cap(buf), 512), limit+1-len(buf)))
		}
		n, err := body.Read(buf[len(buf):min(cap(buf), limit+1)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			if len(buf) > limit {
				return nil, true, nil
			}
			return buf, false, nil
		}
		if err != nil {
			return nil, false, err
		}
	}
}

// RequestBase returns scheme://host of r as the client addressed it
// (honouring X-Forwarded-Proto / X-Forwarded-Host).
func RequestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	host := r.Host
	if h := r.Header.Get("X-Forwarded-Host"); h != "" {
		host = h
	}
	return scheme + "://" + host
}

type errorBody struct {
	Error     errorDetail `json:"Error"`
	RequestID string      `json:"RequestId"`
}

type errorDetail struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

func (g *Gateway) write(w http.ResponseWriter, requestID, traceID string, reply Reply, lang catalog.Language) {
	switch reply.Fault {
	case FaultHTTP502:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>\n")
		return
	case FaultConnectionReset:
		resetConnection(w)
		return
	}
	buf := g.getBuf()
	defer g.putBuf(buf)
	var err error
	if reply.Err != nil {
		err = encodeEnvelope(buf, &errorBody{
			Error:     errorDetail{Code: reply.Err.Code, Message: reply.Err.MessageIn(lang)},
			RequestID: requestID,
		})
	} else {
		err = encodeEnvelope(buf, reply.Body)
	}
	if err != nil {
		g.cfg.Logger.Error("encode response", "err", err)
		_ = encodeEnvelope(buf, &errorBody{
			Error:     errorDetail{Code: catalog.InternalError, Message: catalog.New(catalog.InternalError).MessageIn(lang)},
			RequestID: requestID,
		})
	}
	payload := buf.Bytes()
	// Canonical keys set directly, with the values in one allocation.
	vals := make([]string, 4)
	vals[0], vals[1], vals[2], vals[3] = "application/json", requestID, strconv.Itoa(len(payload)), traceID
	h := w.Header()
	h["Content-Type"] = vals[0:1:1]
	h["X-Tc-Requestid"] = vals[1:2:2]
	h["Content-Length"] = vals[2:3:3]
	if traceID != "" {
		h["X-Tc-Traceid"] = vals[3:4:4]
	}
	if reply.Fault == FaultTruncatedBody {
		// Promise the whole body, send half, then drop the connection: the
		// client sees an unexpected EOF.
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(payload[:len(payload)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		resetConnection(w)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(payload)
}

// respBuf is a reusable response buffer with its JSON encoder.
type respBuf struct {
	bytes.Buffer
	enc *json.Encoder
}

// encodeEnvelope writes {"Response":<body>} to b (reset first): the bytes
// json.Marshal(envelope{Response: body}) gives, without the copy Marshal
// makes.
func encodeEnvelope(b *respBuf, body any) error {
	b.Reset()
	b.WriteString(`{"Response":`)
	if a, ok := body.(jsonAppender); ok {
		if out, ok := a.AppendJSON(b.AvailableBuffer()); ok {
			b.Write(out)
			b.WriteByte('}')
			return nil
		}
	}
	if err := b.enc.Encode(body); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	b.WriteByte('}')
	return nil
}

// jsonAppender is a response model that writes its own JSON, the bytes
// encoding/json would give, when ok; the common answers do, to skip
// encoding/json's reflection.
type jsonAppender interface {
	AppendJSON(b []byte) (_ []byte, ok bool)
}

// maxPooledBody caps the response buffers kept for reuse (a Get echoing an
// 8 MB image must not pin it).
const maxPooledBody = 64 << 10

func (g *Gateway) getBuf() *respBuf {
	if b, ok := g.bufs.Get().(*respBuf); ok {
		return b
	}
	b := &respBuf{}
	b.Grow(1024)
	b.enc = json.NewEncoder(&b.Buffer)
	return b
}

func (g *Gateway) putBuf(b *respBuf) {
	if b.Cap() <= maxPooledBody {
		g.bufs.Put(b)
	}
}

// resetConnection closes the client's connection without an HTTP answer.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		// HTTP/2 or a recorder: abort the handler, which resets the stream.
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(interface{ SetLinger(int) error }); ok {
		_ = tcp.SetLinger(0) // RST instead of FIN
	}
	_ = conn.Close()
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// log writes the request log line: info for a success, warn for an API
// error. It goes to the handler directly rather than through
// Logger.LogAttrs, which would also capture the caller's program counter
// (unused: the binary's handlers do not add the source) and read the clock
// once more; the attributes stay on the stack.
func (g *Gateway) log(rec *Record, at time.Time) {
	level := slog.LevelInfo
	if rec.ErrorCode != "" {
		level = slog.LevelWarn
	}
	ctx := context.Background()
	h := g.cfg.Logger.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	r := slog.NewRecord(at, level, "api", 0)
	// The first service added is the endpoint's main one and its lines stay
	// as they were (a sixth attribute would cost the record an allocation);
	// a line of any other service names it.
	if rec.Service != "" && rec.Service != g.services[0].name {
		r.AddAttrs(slog.String("service", rec.Service))
	}
	r.AddAttrs(
		slog.String("action", rec.Action),
		slog.String("sdk", rec.SDK),
		slog.String("requestId", rec.RequestID),
		slog.Float64("latencyMs", rec.LatencyMS),
	)
	if rec.ErrorCode != "" {
		r.AddAttrs(slog.String("error", rec.ErrorCode))
	}
	if rec.Token != "" {
		r.AddAttrs(slog.String("token", rec.Token))
	}
	if rec.Fault != "" {
		r.AddAttrs(slog.String("fault", rec.Fault))
	}
	for _, n := range rec.Notes {
		r.AddAttrs(slog.String("note", n))
	}
	_ = h.Handle(ctx, r)
}

// NewJSONCall builds a verified call with a JSON body, for driving a
// handler without HTTP (tests, in-process tools).
func NewJSONCall(common signature.Common, requestID, publicBase string, body []byte) *Call {
	return &Call{Common: common, RequestID: requestID, publicBase: publicBase, body: body, json: true, Header: http.Header{}}
}
