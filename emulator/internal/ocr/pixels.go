package ocr

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strconv"
	"strings"

	"golang.org/x/image/bmp"

	"github.com/faceid-emulator/faceid-emulator/catalog"
	"github.com/faceid-emulator/faceid-emulator/emulator/internal/actions"
	"github.com/faceid-emulator/faceid-emulator/spec"
)

// Dimensions reads the width and height of a picture of format (as
// DetectFormat names it) from its header; ok is false for a format that
// has no pixels (PDF, a Word or Excel file). Each format's DecodeConfig is
// called directly rather than image.DecodeConfig, so nothing depends on
// which decoders some package registered process-wide. DecodeConfig stops
// after the header: a header claiming 65535*65535 pixels allocates nothing
// for them. BMP is golang.org/x/image/bmp's (the standard library has no
// BMP reader; the package adds about 10 KB to the binary).
func Dimensions(data []byte, format string) (width, height int, ok bool, err error) {
	var read func(io.Reader) (image.Config, error)
	switch format {
	case "JPEG":
		read = jpeg.DecodeConfig
	case "PNG":
		read = png.DecodeConfig
	case "GIF":
		read = gif.DecodeConfig
	case "BMP":
		read = bmp.DecodeConfig
	default:
		return 0, 0, false, nil
	}
	cfg, err := read(bytes.NewReader(data))
	if err != nil {
		return 0, 0, true, err
	}
	return cfg.Width, cfg.Height, true, nil
}

// pixelBound is one documented pixel range an image of the call must
// keep, and the condition that brought it ("" for the image's own).
type pixelBound struct {
	rule *spec.PixelRule
	when string // "ReturnHeadImage true"
}

// callPixelBounds returns the ranges a call's settings add to all its
// images: the bool members with a pixel rule whose value is its when.
func callPixelBounds(c *actions.Call) []pixelBound {
	var out []pixelBound
	for _, m := range c.Action.Input.Members {
		if m.Rule == nil || m.Rule.Pixels == nil || m.Rule.Pixels.When == nil {
			continue
		}
		want := strconv.FormatBool(*m.Rule.Pixels.When)
		if v, ok := c.Param(m.Name); ok && v == want {
			out = append(out, pixelBound{m.Rule.Pixels, m.Name + " " + want})
		}
	}
	return out
}

// checkPixels measures a picture of format and holds it to its member's
// range (own, possibly nil) and the call's (extra), first the member's.
func checkPixels(action, name, format string, data []byte, own *spec.PixelRule, extra []pixelBound) *catalog.Error {
	bounds := extra
	if own != nil {
		bounds = append([]pixelBound{{rule: own}}, extra...)
	}
	if len(bounds) == 0 {
		return nil
	}
	// A setting's own size bound ("If set to true ... Size after Base64
	// encoding must not exceed 5 MB"), whatever the format.
	for _, b := range bounds {
		if n := base64.StdEncoding.EncodedLen(len(data)); b.rule.MaxBytes > 0 && n > b.rule.MaxBytes {
			mb := b.rule.MaxBytes >> 20
			return catalog.WithMessage(b.rule.TooLarge,
				fmt.Sprintf("The image `%s` is %d bytes after Base64 encoding; supported: at most %d MB (%s).", name, n, mb, b.when),
				fmt.Sprintf("图片 `%s` 经 Base64 编码后为 %d 字节；支持：不超过 %d MB（%s）。", name, n, mb, b.when))
		}
	}
	w, h, ok, err := Dimensions(data, format)
	if !ok {
		return nil
	}
	if err != nil {
		return decodeFailed(action, name, "its "+format+" header cannot be read")
	}
	short, long := min(w, h), max(w, h)
	for _, b := range bounds {
		p := b.rule
		maxSide := p.MaxSideFor(format)
		code := ""
		switch {
		case short < p.MinSide:
			code = p.TooSmall
		case long > maxSide:
			code = p.TooLarge
		default:
			continue
		}
		en := fmt.Sprintf("The image `%s` is %d*%d pixels; supported: between %d*%d and %d*%d pixels",
			name, w, h, p.MinSide, p.MinSide, maxSide, maxSide)
		zh := fmt.Sprintf("图片 `%s` 为 %d*%d 像素；支持的分辨率：%d*%d 至 %d*%d 像素", name, w, h, p.MinSide, p.MinSide, maxSide, maxSide)
		var why []string
		if maxSide != p.MaxSide {
			why = append(why, format)
		}
		if b.when != "" {
			why = append(why, b.when)
		}
		if len(why) > 0 {
			en += " (" + strings.Join(why, ", ") + ")"
			zh += "（" + strings.Join(why, "，") + "）"
		}
		return catalog.WithMessage(code, en+".", zh+"。")
	}
	return nil
}
