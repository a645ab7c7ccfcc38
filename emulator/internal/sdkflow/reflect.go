package sdkflow

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/actions"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/api"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/faceid/model"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/files"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/flow"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/store"
	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// reflectSpec: the reflection-based liveness comparison SDK. Its actions
// carry no token: GenerateReflectSequence makes a light sequence (the
// session; its file names the token), the SDK records with it and uploads
// a liveness data package, and DetectReflectLivenessAndCompare runs the
// detection on that package, so the detection call is where the SDK's run
// ends (nothing is ever "not finished"). Results and the best frame are
// kept two hours, as BestFrameUrl is documented. Failures are the API
// errors of the table (FailedOperation.*), as the action documents.
var reflectSpec = Spec{
	Kind: KindReflect, Apply: "GenerateReflectSequence", Result: "DetectReflectLivenessAndCompare",
	ResultLifetime: 2 * time.Hour,
	// A package naming a light sequence the caller cannot read fails as
	// the liveness engine does on a package it cannot use [inference: the
	// action documents no token error].
	IllegalToken: "FailedOperation.LivessUnknownError", ExpiredToken: "FailedOperation.LivessUnknownError",
}

// ReflectConfig is GenerateReflectSequence's request with defaults
// resolved.
type ReflectConfig struct {
	SecurityLevel string `json:"SecurityLevel"`
	DeviceDataUrl string `json:"DeviceDataUrl"`
}

// tokenPattern finds a session token in a liveness data package.
var tokenPattern = regexp.MustCompile(`[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}`)

// maxKeptURL bounds the DeviceDataUrl a session keeps for Render.
const maxKeptURL = 2048

// maxTokensScanned bounds the tokens tried in one package.
const maxTokensScanned = 16

func (s *Service) registerReflect(l *actions.Layer) {
	f := s.flows.Reflect
	s.files.Generate("reflect", s.sequenceFile)
	handle(l, f.spec.Apply, func(c *actions.Call) api.Reply {
		req := c.Request.(*model.GenerateReflectSequenceRequest)
		if _, err := s.fetch(c, "DeviceData", *req.DeviceDataUrl, *req.DeviceDataMd5); err != nil {
			return api.Reply{Err: err}
		}
		cfg := ReflectConfig{SecurityLevel: "4", DeviceDataUrl: *req.DeviceDataUrl}
		if len(cfg.DeviceDataUrl) > maxKeptURL {
			// Kept for the control API only: a session holds bounded data.
			cfg.DeviceDataUrl = cfg.DeviceDataUrl[:maxKeptURL] + "…"
		}
		setString(&cfg.SecurityLevel, req.SecurityLevel)
		d := &Data{Config: configJSON(cfg), Compares: true, Actions: actionLevel(cfg.SecurityLevel)}
		sess, reply, done := s.apply(c, f, d)
		if done {
			return reply
		}
		u, file, _ := s.files.GeneratedURL(c.PublicBase(), "reflect", sess.Token)
		return answer(c, reply, map[string]any{"ReflectSequenceUrl": u, "ReflectSequenceMd5": file.MD5()})
	})
	handle(l, f.spec.Result, func(c *actions.Call) api.Reply { return s.detectReflect(c, f) })
}

// fetch reads a URL parameter the way the real service downloads it: a
// URL of the emulator's file area (an upload made through CreateUploadUrl,
// or a file an answer linked to) is read and checked against its MD5. The
// emulator reaches no other host: such a URL is accepted unread (nil data)
// and noted.
func (s *Service) fetch(c *actions.Call, name, rawURL, md5Hex string) ([]byte, *catalog.Error) {
	data, ours, err := s.files.Resolve(rawURL)
	if !ours {
		c.Note(name + "Url is outside the emulator's file area; the emulator does not download it and accepts it unchecked")
		return nil, nil
	}
	if err != nil {
		c.Note(name + "Url: " + err.Error())
		if errors.Is(err, files.ErrExpired) {
			return nil, catalog.New("FailedOperation.DownLoadTimeoutError")
		}
		return nil, catalog.New("FailedOperation.DownLoadError")
	}
	sum := md5.Sum(data)
	if !strings.EqualFold(hex.EncodeToString(sum[:]), strings.TrimSpace(md5Hex)) {
		return nil, catalog.BadValue(name+"Md5", "does not match the MD5 of the file at "+name+"Url")
	}
	return data, nil
}

// detectReflect runs DetectReflectLivenessAndCompare: the liveness data
// package names the light sequence (the session) whose outcome it
// answers, completing it with its scenario when the control API or the
// simulator page has not; a package naming none is judged on its own by
// the scenario selected for this call.
func (s *Service) detectReflect(c *actions.Call, f *Flow) api.Reply {
	req := c.Request.(*model.DetectReflectLivenessAndCompareRequest)
	live, err := s.fetch(c, "LiveData", *req.LiveDataUrl, *req.LiveDataMd5)
	if err != nil {
		return api.Reply{Err: err}
	}
	img, err := s.fetch(c, "Image", *req.ImageUrl, *req.ImageMd5)
	if err != nil {
		return api.Reply{Err: err}
	}
	if img != nil && !strings.HasPrefix(http.DetectContentType(img), "image/") {
		return api.Reply{Err: catalog.New("FailedOperation.ImageDecodeFailed")}
	}
	token, named := s.sequenceIn(live)
	if !named {
		return s.detectAlone(c, f)
	}
	sess, reply, done := s.result(c, f, token)
	if done {
		return reply
	}
	if sess.State == store.StatePending {
		sess, _ = s.hub.Update(token, func(sess *store.Session, _ flow.Flow) error {
			if sess.State == store.StatePending {
				f.play(sess, f.scenarioOf(sess), SourceDetect, s.hub.Now())
			}
			return nil
		})
	}
	if sess == nil {
		// Evicted between the read and the update.
		return api.Reply{Err: s.hub.UnknownToken(f.spec.IllegalToken, token)}
	}
	return s.reflectAnswer(c, f, reply, sess)
}

// sequenceIn finds the token of a light sequence in a liveness package:
// the first token-shaped text that names a reflect session.
func (s *Service) sequenceIn(live []byte) (string, bool) {
	for _, m := range tokenPattern.FindAll(live, maxTokensScanned) {
		if sess, err := s.hub.Peek(string(m)); err == nil && sess.Flow == KindReflect {
			return string(m), true
		}
	}
	return "", false
}

// detectAlone answers a detection whose package names no light sequence
// (one outside the emulator's file area, which it cannot read): the
// scenario selected for this call decides, and no session is kept.
func (s *Service) detectAlone(c *actions.Call, f *Flow) api.Reply {
	c.Note("the liveness data package names no light sequence of the emulator; the call's own scenario decides")
	sc, _ := c.SelectReason(f.spec.Kind)
	if !sc.IsFor(c.Action.Name, f.spec.Kind) {
		sc = f.scenarios().Default()
	}
	var reply api.Reply
	if b, ok := sc.Behavior(c.Action.Name); ok {
		var done bool
		n := s.hub.Counters().Scoped(c.Common.SecretID, sc.Name, c.Action.Name, b.Times)
		if reply, done = actions.Scripted(b, n); done {
			return reply
		}
	}
	now := s.hub.Now()
	sess := &store.Session{Token: "", Flow: f.spec.Kind, SecretID: c.Common.SecretID, CreatedAt: now, State: store.StatePending,
		Data: &Data{Compares: true}}
	f.play(sess, sc, SourceDetect, now)
	return s.reflectAnswer(c, f, reply, sess)
}

// reflectAnswer is the detection's answer for a completed session: the
// pass with the similarity and the best frame, or the failure's API error.
func (s *Service) reflectAnswer(c *actions.Call, f *Flow, reply api.Reply, sess *store.Session) api.Reply {
	d := dataOf(sess)
	r := d.Result
	if r == nil {
		return api.Reply{Err: catalog.New(catalog.InternalError)}
	}
	if r.Code != f.table.Pass().Code {
		reply.Err = catalog.New(r.Code)
		return reply
	}
	out := map[string]any{"Result": r.Code, "Description": r.Message, "Sim": 0.0, "BestFrameUrl": "", "BestFrameMd5": ""}
	if a, ok := d.lastAttempt(); ok {
		out["Sim"] = a.Similarity
	}
	if r.BestFrame == scenarios.MediaSample {
		if u, file, ok := s.files.URL(c.PublicBase(), "bestframe.jpg"); ok {
			out["BestFrameUrl"], out["BestFrameMd5"] = u, file.MD5()
		}
	}
	return answer(c, reply, out)
}

// sequenceFile generates a light sequence: a JSON document naming its
// session, with a colour sequence derived from the token (so the same
// token always gives the same bytes and MD5).
func (s *Service) sequenceFile(token string) (files.File, bool) {
	sess, err := s.hub.Peek(token)
	if err != nil || sess.Flow != KindReflect {
		return files.File{}, false
	}
	var cfg ReflectConfig
	dataOf(sess).config(&cfg)
	sum := sha256.Sum256([]byte(token))
	palette := []string{"red", "green", "blue", "yellow", "cyan", "magenta", "white"}
	colors := make([]string, 8)
	for i := range colors {
		colors[i] = palette[int(sum[i])%len(palette)]
	}
	data, _ := json.Marshal(map[string]any{"ReflectSequence": token, "SecurityLevel": cfg.SecurityLevel, "Colors": colors})
	return files.File{Name: token + ".json", ContentType: "application/json", Data: data}, true
}
