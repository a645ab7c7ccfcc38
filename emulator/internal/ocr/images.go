// Package ocr adds to the spec-driven ocr 2018-11-19 actions what their spec
// states only in prose: document images. Every image input (ImageBase64,
// ImageUrl, their front/back and list forms) is read as its documents say:
// base64 decoded, a URL downloaded within the documented time and size, the
// format detected from the bytes and checked against the documented ones,
// the size after Base64 encoding bounded, the pixel width and height, read
// from the picture's header, within the documented range. Each image read is hashed
// (SHA-256), so that a scenario can select the recognised fields by the
// picture (match.imageSha256): no OCR model runs here.
//
// The failures are answered with the code Tencent documents for the action
// (FailedOperation.ImageDecodeFailed, FailedOperation.DownLoadError, ...,
// picked from the catalogue's per-action lists).
package ocr

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/actions"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

// DefaultDownloadTimeout bounds a download whose documents state no time.
const DefaultDownloadTimeout = 3 * time.Second

// maxRedirects bounds the redirects a download follows.
const maxRedirects = 3

// Config configures Images.
type Config struct {
	// Client downloads ImageUrl images; nil = a client of its own. Each
	// download is bounded by the documented time (DownloadSeconds) and size.
	Client *http.Client
	// Local, when set, serves a URL on the emulator's own upload area
	// without a network round trip (ok false: not one of its URLs). The
	// upload area (faceid's CreateUploadUrl) plugs in here.
	Local func(rawURL string) (data []byte, ok bool, err error)
}

// Images checks the document images of ocr calls.
type Images struct {
	cfg Config
}

// New returns the image checker.
func New(cfg Config) *Images {
	if cfg.Client == nil {
		cfg.Client = &http.Client{
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= maxRedirects {
					return fmt.Errorf("more than %d redirects", maxRedirects)
				}
				if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
					return errors.New("redirect to a URL that is not http or https")
				}
				return nil
			},
		}
	}
	return &Images{cfg: cfg}
}

// Prepare is an actions.Config.Prepare: it reads every image input of the
// call and records the images' hashes on it.
func (im *Images) Prepare(ctx context.Context, c *actions.Call) *catalog.Error {
	in := c.Action.Input
	extra := callPixelBounds(c)
	done := map[string]bool{}
	for _, m := range in.Members {
		r := imageRule(m)
		if r == nil || done[m.Name] {
			continue
		}
		done[m.Name] = true
		urlName, b64Name := m.Name, r.Alternative
		if r.Source == "base64" {
			urlName, b64Name = r.Alternative, m.Name
		}
		done[r.Alternative] = true
		hashes, err := im.readPair(ctx, c, in, urlName, b64Name, r.Required, extra)
		if err != nil {
			return err
		}
		c.ImageSHA256 = append(c.ImageSHA256, hashes...)
	}
	return nil
}

func imageRule(m *spec.Member) *spec.ImageRule {
	if m.Rule == nil {
		return nil
	}
	return m.Rule.Image
}

// readPair reads the image given by urlName or b64Name (either may be ""
// when the action has only one form); the URL wins when both are given,
// as the documents say.
func (im *Images) readPair(ctx context.Context, c *actions.Call, in *spec.Object, urlName, b64Name string, required bool, extra []pixelBound) ([]string, *catalog.Error) {
	var urls, b64s []string
	if urlName != "" {
		urls = nonEmpty(c.Strings(urlName))
	}
	if b64Name != "" {
		b64s = nonEmpty(c.Strings(b64Name))
	}
	action := c.Action.Name
	var out []string
	switch {
	case len(urls) > 0:
		m, _ := in.Member(urlName)
		for i, u := range urls {
			data, err := im.download(ctx, action, u, m.Rule.Image, itemName(urlName, i, len(urls)))
			if err != nil {
				return nil, err
			}
			h, err := checkImage(action, data, m.Rule, extra, itemName(urlName, i, len(urls)))
			if err != nil {
				return nil, err
			}
			out = append(out, h)
		}
	case len(b64s) > 0:
		m, _ := in.Member(b64Name)
		for i, s := range b64s {
			name := itemName(b64Name, i, len(b64s))
			if len(s) > m.Rule.Image.MaxBytes {
				return nil, tooLarge(action, name, m.Rule.Image.MaxBytes)
			}
			data, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, decodeFailed(action, name, "it is not valid base64 (standard alphabet, padded, no data: prefix)")
			}
			h, cerr := checkImage(action, data, m.Rule, extra, name)
			if cerr != nil {
				return nil, cerr
			}
			out = append(out, h)
		}
	case required:
		return nil, missing(action, urlName, b64Name)
	}
	return out, nil
}

func nonEmpty(list []string) []string {
	return slices.DeleteFunc(list, func(s string) bool { return s == "" })
}

func itemName(name string, i, n int) string {
	if n > 1 || (len(name) > 4 && name[len(name)-4:] == "List") {
		return name + "." + strconv.Itoa(i)
	}
	return name
}

// checkImage checks the bytes of one image against its member's rule and
// the call's pixel ranges (extra) and returns their hex SHA-256.
func checkImage(action string, data []byte, rule *spec.Rule, extra []pixelBound, name string) (string, *catalog.Error) {
	r := rule.Image
	if len(data) == 0 {
		return "", decodeFailed(action, name, "the image is empty")
	}
	if base64.StdEncoding.EncodedLen(len(data)) > r.MaxBytes {
		return "", tooLarge(action, name, r.MaxBytes)
	}
	format := DetectFormat(data)
	if !accepts(r.Formats, format) {
		what := "of an unknown format"
		if format != "" {
			what = "a " + format
		}
		return "", decodeFailed(action, name, fmt.Sprintf("it is %s; supported: %v", what, r.Formats))
	}
	if err := checkPixels(action, name, format, data, rule.Pixels, extra); err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

func accepts(formats []string, format string) bool {
	switch format {
	case "":
		return false
	case "OFFICE":
		return slices.Contains(formats, "WORD") || slices.Contains(formats, "EXCEL")
	}
	return slices.Contains(formats, format)
}

// download fetches one ImageUrl within the documented time, reading at
// most the bytes whose Base64 form fits the documented size.
func (im *Images) download(ctx context.Context, action, raw string, r *spec.ImageRule, name string) ([]byte, *catalog.Error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, downloadFailed(action, name, "it is not an absolute http or https URL")
	}
	if im.cfg.Local != nil {
		if data, ok, err := im.cfg.Local(raw); ok {
			if err != nil {
				return nil, downloadFailed(action, name, err.Error())
			}
			return data, nil
		}
	}
	timeout := DefaultDownloadTimeout
	if r.DownloadSeconds > 0 {
		timeout = time.Duration(r.DownloadSeconds) * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, downloadFailed(action, name, "the URL is not usable")
	}
	resp, err := im.cfg.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, downloadFailed(action, name, fmt.Sprintf("the download took longer than %s", timeout))
		}
		return nil, downloadFailed(action, name, "the request failed")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, downloadFailed(action, name, "the server answered HTTP "+strconv.Itoa(resp.StatusCode))
	}
	limit := int64(r.MaxBytes)/4*3 + 1 // raw bytes whose Base64 form exceeds MaxBytes
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		if ctx.Err() != nil {
			return nil, downloadFailed(action, name, fmt.Sprintf("the download took longer than %s", timeout))
		}
		return nil, downloadFailed(action, name, "the connection failed during the download")
	}
	if int64(len(data)) >= limit {
		return nil, tooLarge(action, name, r.MaxBytes)
	}
	return data, nil
}

// The failures, each answered with the first code of its list that Tencent
// documents for the action.
var (
	missingCodes  = []string{"FailedOperation.EmptyImageError", "InvalidParameterValue.InvalidParameterValueLimit"}
	decodeCodes   = []string{"FailedOperation.ImageDecodeFailed", "InvalidParameter.EngineImageDecodeFailed"}
	tooLargeCodes = []string{"FailedOperation.ImageSizeTooLarge", "LimitExceeded.TooLargeFileError",
		"InvalidParameterValue.InvalidFileContentSize", "InvalidParameterValue.InvalidParameterValueLimit"}
	downloadCodes = []string{"FailedOperation.DownLoadError", "ResourceUnavailable.ImageDownloadError"}
)

// codeFor picks the documented code, or fallback (a common code) when the
// action documents none of them.
func codeFor(action string, codes []string, fallback string) string {
	if c := catalog.DocumentedFor(action, codes...); c != "" {
		return c
	}
	return fallback
}

func missing(action, urlName, b64Name string) *catalog.Error {
	names := urlName
	switch {
	case urlName == "":
		names = b64Name
	case b64Name != "":
		names = urlName + " or " + b64Name
	}
	return catalog.WithMessage(codeFor(action, missingCodes, catalog.MissingParameter),
		"No image: "+names+" must be provided.", "未提供图片："+names+" 必须提供其一。")
}

func decodeFailed(action, name, why string) *catalog.Error {
	return catalog.WithMessage(codeFor(action, decodeCodes, catalog.InvalidParameterValue),
		"Image decoding failed: `"+name+"`: "+why+".", "图片解码失败：`"+name+"`："+why+"。")
}

func tooLarge(action, name string, maxBytes int) *catalog.Error {
	size := strconv.Itoa(maxBytes>>20) + " MB"
	return catalog.WithMessage(codeFor(action, tooLargeCodes, catalog.InvalidParameterValue),
		"The image `"+name+"` is larger than "+size+" after Base64 encoding.",
		"图片 `"+name+"` 经 Base64 编码后超过 "+size+"。")
}

func downloadFailed(action, name, why string) *catalog.Error {
	return catalog.WithMessage(codeFor(action, downloadCodes, catalog.InvalidParameterValue),
		"File download failed: `"+name+"`: "+why+".", "文件下载失败：`"+name+"`："+why+"。")
}

// DetectFormat names the format of an image or document from its first
// bytes: JPEG, PNG, BMP, GIF, PDF, OFFICE (a Word or Excel file, OOXML or
// the older compound format), or "" when unknown. net/http's content
// sniffing (the WHATWG algorithm) does the image and PDF part.
func DetectFormat(data []byte) string {
	switch http.DetectContentType(data) {
	case "image/jpeg":
		return "JPEG"
	case "image/png":
		return "PNG"
	case "image/bmp":
		return "BMP"
	case "image/gif":
		return "GIF"
	case "application/pdf":
		return "PDF"
	case "application/zip":
		return "OFFICE" // .docx and .xlsx are zip containers
	}
	// The compound file header of .doc and .xls, which sniffing leaves as
	// application/octet-stream.
	if len(data) >= 8 && string(data[:8]) == "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" {
		return "OFFICE"
	}
	return ""
}
