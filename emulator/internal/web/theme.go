package web

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// defaultTheme is Tencent's documented default ThemeColor.
const defaultTheme = "#2d72f1"

// minTextContrast is the WCAG AA contrast ratio for normal text; minEdge the
// ratio for the outline of a control (WCAG 1.4.11).
const (
	minTextContrast = 4.5
	minEdgeContrast = 3.0
)

// Colours the theme is checked against: the page background (the darker of
// the two backgrounds used, so text passing on it passes on white too).
var (
	white  = rgb{255, 255, 255}
	black  = rgb{0, 0, 0}
	ink    = rgb{0x11, 0x11, 0x11}
	pageBG = rgb{0xf3, 0xf5, 0xf8}
)

var hexColour = regexp.MustCompile(`^#?[0-9a-fA-F]{6}$`)

type rgb struct{ r, g, b uint8 }

func parseColour(s string) (rgb, bool) {
	if !hexColour.MatchString(s) {
		return rgb{}, false
	}
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 16, 32)
	if err != nil {
		return rgb{}, false
	}
	return rgb{uint8(v >> 16), uint8(v >> 8), uint8(v)}, true
}

func (c rgb) String() string { return fmt.Sprintf("#%02x%02x%02x", c.r, c.g, c.b) }

// luminance is the WCAG relative luminance.
func (c rgb) luminance() float64 {
	ch := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(c.r) + 0.7152*ch(c.g) + 0.0722*ch(c.b)
}

// contrast is the WCAG contrast ratio of two colours (1 to 21).
func contrast(a, b rgb) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// mix moves c towards to by the fraction f (0 = c, 1 = to).
func mix(c, to rgb, f float64) rgb {
	m := func(a, b uint8) uint8 { return uint8(math.Round(float64(a) + (float64(b)-float64(a))*f)) }
	return rgb{m(c.r, to.r), m(c.g, to.g), m(c.b, to.b)}
}

// darkenUntil darkens c in small steps until it reaches ratio against bg.
func darkenUntil(c, bg rgb, ratio float64) rgb {
	for i := 0; i <= 20; i++ {
		if d := mix(c, black, 0.05*float64(i)); contrast(d, bg) >= ratio {
			return d
		}
	}
	return black
}

// theme is the set of colours derived from Config.ThemeColor.
type theme struct {
	// Brand is the ThemeColor: background of primary buttons and the header.
	Brand rgb
	// OnBrand is the text colour on Brand: white when it reaches 4.5:1,
	// else near-black, else black (one of white and black always does).
	OnBrand rgb
	// Accent is Brand darkened, when needed, to 4.5:1 on the page
	// background and on Soft: secondary button text, icons, focus rings.
	Accent rgb
	// Edge is the outline of buttons: Brand when it reaches 3:1 on the page
	// background, else Accent.
	Edge rgb
	// Soft is a light tint of Brand for panels (body text stays readable).
	Soft rgb
}

func newTheme(hex string) theme {
	c, ok := parseColour(hex)
	if !ok {
		c, _ = parseColour(defaultTheme)
	}
	t := theme{Brand: c, Soft: mix(c, white, 0.9)}
	switch {
	case contrast(c, white) >= minTextContrast:
		t.OnBrand = white
	case contrast(c, ink) >= minTextContrast:
		t.OnBrand = ink
	default:
		t.OnBrand = black
	}
	// Accent text sits on the page, on white and on Soft panels: check it
	// against the darkest of them.
	bg := pageBG
	if t.Soft.luminance() < bg.luminance() {
		bg = t.Soft
	}
	t.Accent = darkenUntil(c, bg, minTextContrast)
	t.Edge = c
	if contrast(c, pageBG) < minEdgeContrast {
		t.Edge = t.Accent
	}
	return t
}

// css is the theme's stylesheet: custom properties read by app.css.
func (t theme) css() string {
	return fmt.Sprintf(":root{--brand:%s;--on-brand:%s;--accent:%s;--edge:%s;--soft:%s}\n",
		t.Brand, t.OnBrand, t.Accent, t.Edge, t.Soft)
}

// themeKey is the path form of a colour: six lower-case hex digits.
func themeKey(hex string) string {
	c, ok := parseColour(hex)
	if !ok {
		c, _ = parseColour(defaultTheme)
	}
	return strings.TrimPrefix(c.String(), "#")
}
