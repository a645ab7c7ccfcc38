// Package files is the emulator's file area: the uploads behind
// CreateUploadUrl (an HTTP PUT to UploadUrl, read back at ResourceUrl and
// accepted by the actions' URL parameters) and the downloadable files that
// answers link to (FileInfo URLs with their MD5 and size: best frames,
// videos, document images), served from the emulator itself so that a
// merchant's download code runs for real.
//
// Everything is bounded: the size of one upload, the bytes and number of
// uploads kept (the oldest go first), and each upload's lifetime, read from
// the injectable clock.
package files

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator/internal/clock"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/ids"
)

// Prefix is the path under which the area serves files.
const Prefix = "/files/"

// Limits of the area.
const (
	// MaxUpload is the largest upload (Tencent's largest media input, a
	// video, is documented up to 8 MB as base64; an upload carries raw
	// bytes, so this leaves room).
	MaxUpload = 16 << 20
	// MaxTotal bounds the bytes of all uploads kept.
	MaxTotal = 256 << 20
	// MaxUploads bounds how many uploads are kept.
	MaxUploads = 1024
	// UploadLifetime is how long an UploadUrl and its ResourceUrl work
	// (Tencent's example: 2 hours).
	UploadLifetime = 2 * time.Hour
)

// Errors of the area.
var (
	ErrNotFound = errors.New("files: no such file")
	ErrExpired  = errors.New("files: link expired")
	ErrTooLarge = fmt.Errorf("files: larger than %d bytes", MaxUpload)
)

// File is one stored or built-in file.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// MD5 is the hex MD5 of the file, as FileInfo.MD5 gives it.
func (f File) MD5() string {
	sum := md5.Sum(f.Data)
	return hex.EncodeToString(sum[:])
}

// upload is one CreateUploadUrl slot.
type upload struct {
	key       string
	target    string // the TargetAction it was made for
	expiresAt time.Time
	data      []byte // nil until the PUT arrives
	putAt     time.Time
}

// Area holds uploads and the built-in files. It is an http.Handler for
// paths under Prefix.
type Area struct {
	clock   clock.Clock
	ids     *ids.Source
	builtin map[string]File
	// generators make files on request from their name (a session's
	// document OCR JSON, a light sequence), so that nothing is stored
	// twice; registered before serving, read-only afterwards.
	generators map[string]Generator

	mu      sync.Mutex
	uploads map[string]*upload
	order   []string // keys, oldest first
	bytes   int

	// shared, when set, keeps the uploads instead (NewShared).
	shared Shared
}

// Shared keeps upload slots where several emulator replicas see them (the
// Redis store implements it), so that a link made by one replica takes the
// PUT and serves the file on any. Times are the emulator's clock.
type Shared interface {
	// NewUpload makes an empty slot that works until expiresAt and is
	// kept for keep (real time).
	NewUpload(key string, expiresAt time.Time, keep time.Duration) error
	// PutUpload stores data in a slot: ErrNotFound for an unknown one,
	// ErrExpired for one past its time at now.
	PutUpload(key string, data []byte, now time.Time) error
	// OpenUpload returns a slot's data (nil before the PUT) and its expiry
	// time: ErrNotFound for an unknown one.
	OpenUpload(key string) (data []byte, expiresAt time.Time, err error)
}

// NewShared returns an area whose uploads are kept by shared; the built-in
// files are served from memory as with New.
func NewShared(c clock.Clock, idSource *ids.Source, builtin []File, shared Shared) *Area {
	a := New(c, idSource, builtin)
	a.shared = shared
	return a
}

// errShared wraps a failure of the shared keeper (its engine lost).
var errShared = errors.New("files: the shared store failed")

// New returns an area serving the built-in files given (by name).
func New(c clock.Clock, idSource *ids.Source, builtin []File) *Area {
	a := &Area{clock: c, ids: idSource, builtin: map[string]File{}, uploads: map[string]*upload{}, generators: map[string]Generator{}}
	for _, f := range builtin {
		a.builtin[f.Name] = f
	}
	return a
}

// Link is an upload slot as CreateUploadUrl answers it.
type Link struct {
	UploadURL, ResourceURL string
	ExpiresAt              time.Time
}

// NewUpload makes an upload slot for target; base is the browser- or
// client-facing scheme://host of the emulator.
func (a *Area) NewUpload(base, target string) Link {
	now := a.clock.Now()
	u := &upload{key: a.ids.Lower(), target: target, expiresAt: now.Add(UploadLifetime)}
	if a.shared != nil {
		// A slot the engine did not take answers 404 on PUT, as an
		// unknown one: the engine's loss shows in ready and in the API.
		_ = a.shared.NewUpload(u.key, u.expiresAt, UploadLifetime+time.Hour)
		path := base + Prefix + "upload/" + u.key
		return Link{UploadURL: path, ResourceURL: path, ExpiresAt: u.expiresAt}
	}
	a.mu.Lock()
	a.uploads[u.key] = u
	a.order = append(a.order, u.key)
	a.evictLocked(now, u.key)
	a.mu.Unlock()
	path := base + Prefix + "upload/" + u.key
	return Link{UploadURL: path, ResourceURL: path, ExpiresAt: u.expiresAt}
}

// Generator makes the file name of its kind, or reports that there is none
// (an unknown or forgotten session). It must give the same bytes for the
// same name while the file exists, so that the MD5 an answer states holds.
type Generator func(name string) (File, bool)

// Generate serves the files of kind (a path segment other than "sample" and
// "upload") from gen. Register generators before serving.
func (a *Area) Generate(kind string, gen Generator) { a.generators[kind] = gen }

// GeneratedURL returns the download URL of the generated file name of kind
// and the file itself (ok false when the generator has none).
func (a *Area) GeneratedURL(base, kind, name string) (string, File, bool) {
	gen, ok := a.generators[kind]
	if !ok {
		return "", File{}, false
	}
	f, ok := gen(name)
	return base + Prefix + kind + "/" + url.PathEscape(name), f, ok
}

// URL returns the download URL of a built-in file.
func (a *Area) URL(base, name string) (string, File, bool) {
	f, ok := a.builtin[name]
	return base + Prefix + "sample/" + url.PathEscape(name), f, ok
}

// Builtin returns a built-in file by name.
func (a *Area) Builtin(name string) (File, bool) {
	f, ok := a.builtin[name]
	return f, ok
}

// Resolve returns the bytes behind a URL of this area (any host: the
// emulator is reached under several names), for the actions' URL
// parameters. ok is false for a URL that is not the area's; err reports an
// area URL that cannot be read (unknown, not uploaded yet, expired).
func (a *Area) Resolve(rawURL string) (data []byte, ok bool, err error) {
	u, perr := url.Parse(rawURL)
	if perr != nil || !strings.HasPrefix(u.Path, Prefix) {
		return nil, false, nil
	}
	f, err := a.open(strings.TrimPrefix(u.Path, Prefix))
	return f.Data, true, err
}

func (a *Area) open(rest string) (File, error) {
	kind, name, _ := strings.Cut(rest, "/")
	switch kind {
	case "sample":
		if f, ok := a.builtin[name]; ok {
			return f, nil
		}
	case "upload":
		if a.shared != nil {
			return a.openShared(name)
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		u, ok := a.uploads[name]
		switch {
		case !ok:
		case a.clock.Now().After(u.expiresAt):
			return File{}, ErrExpired
		case u.data == nil:
			return File{}, fmt.Errorf("%w: nothing was uploaded to this link yet", ErrNotFound)
		default:
			return File{Name: name, ContentType: http.DetectContentType(u.data), Data: u.data}, nil
		}
	default:
		if gen, ok := a.generators[kind]; ok {
			if f, ok := gen(name); ok {
				return f, nil
			}
		}
	}
	return File{}, ErrNotFound
}

// ServeHTTP serves GET/HEAD of files and PUT of uploads.
func (a *Area) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, Prefix)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		f, err := a.open(rest)
		if err != nil {
			a.fail(w, err)
			return
		}
		w.Header().Set("Content-Type", f.ContentType)
		w.Header().Set("Content-MD5", f.MD5())
		w.Header().Set("Cache-Control", "no-store")
		http.ServeContent(w, r, f.Name, time.Time{}, strings.NewReader(string(f.Data)))
	case http.MethodPut:
		kind, key, _ := strings.Cut(rest, "/")
		if kind != "upload" {
			http.Error(w, "only upload links take PUT", http.StatusMethodNotAllowed)
			return
		}
		if err := a.put(key, r); err != nil {
			a.fail(w, err)
			return
		}
		w.WriteHeader(http.StatusOK)
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (a *Area) put(key string, r *http.Request) error {
	if r.ContentLength > MaxUpload {
		return ErrTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxUpload+1))
	if err != nil {
		return fmt.Errorf("files: reading the upload: %w", err)
	}
	if len(data) > MaxUpload {
		return ErrTooLarge
	}
	now := a.clock.Now()
	if a.shared != nil {
		err := a.shared.PutUpload(key, data, now)
		if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrExpired) {
			return fmt.Errorf("%w: %v", errShared, err)
		}
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	u, ok := a.uploads[key]
	switch {
	case !ok:
		return ErrNotFound
	case now.After(u.expiresAt):
		return ErrExpired
	}
	a.bytes += len(data) - len(u.data)
	u.data, u.putAt = data, now
	a.evictLocked(now, key)
	return nil
}

// evictLocked drops expired uploads, then the oldest while over a bound,
// never the one just made or written (protect).
func (a *Area) evictLocked(now time.Time, protect string) {
	keep := a.order[:0]
	for i, key := range a.order {
		u := a.uploads[key]
		over := len(keep)+len(a.order)-i > MaxUploads || a.bytes > MaxTotal
		if key != protect && (now.After(u.expiresAt) || over) {
			a.bytes -= len(u.data)
			delete(a.uploads, key)
			continue
		}
		keep = append(keep, key)
	}
	a.order = keep
}

// openShared reads an upload from the shared keeper.
func (a *Area) openShared(key string) (File, error) {
	data, expiresAt, err := a.shared.OpenUpload(key)
	switch {
	case errors.Is(err, ErrNotFound):
		return File{}, ErrNotFound
	case err != nil:
		return File{}, fmt.Errorf("%w: %v", errShared, err)
	case a.clock.Now().After(expiresAt):
		return File{}, ErrExpired
	case data == nil:
		return File{}, fmt.Errorf("%w: nothing was uploaded to this link yet", ErrNotFound)
	}
	return File{Name: key, ContentType: http.DetectContentType(data), Data: data}, nil
}

func (a *Area) fail(w http.ResponseWriter, err error) {
	status := http.StatusNotFound
	switch {
	case errors.Is(err, errShared):
		status = http.StatusServiceUnavailable
	case errors.Is(err, ErrExpired):
		status = http.StatusGone
	case errors.Is(err, ErrTooLarge):
		status = http.StatusRequestEntityTooLarge
	case !errors.Is(err, ErrNotFound):
		status = http.StatusBadRequest
	}
	http.Error(w, err.Error(), status)
}
