// Package textlog is the emulator binary's text log handler: slog's text
// format, byte for byte, written faster for the records the emulator logs
// on every API call.
//
// slog.TextHandler spends a few microseconds per record resolving,
// grouping and quoting attributes; with one request line per API call that
// was the largest single cost of the request path after the signature.
// Handler writes a flat record (no groups, no WithAttrs, attributes of kind
// string, int64, uint64, float64 or bool) straight into a pooled buffer and
// hands every other record to slog.TextHandler, so the output never depends
// on which path wrote it (the tests compare both on the same records).
package textlog

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Handler is a slog.Handler writing slog's text format.
type Handler struct {
	w     io.Writer
	level slog.Leveler
	slow  slog.Handler // slog.TextHandler on the same writer, for the rest
	bufs  sync.Pool    // *[]byte
}

// New returns a handler writing lines to w at level and above. Each line
// reaches w in one Write call, so w must be safe for concurrent use when
// the handler is (slog.TextHandler locks around its writes; this handler
// leaves that to w).
func New(w io.Writer, level slog.Leveler) *Handler {
	if level == nil {
		level = slog.LevelInfo
	}
	return &Handler{
		w:     w,
		level: level,
		slow:  slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}),
	}
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

// WithAttrs implements slog.Handler. Derived loggers are rare (none on the
// request path): they get slog's handler.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler { return h.slow.WithAttrs(attrs) }

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler { return h.slow.WithGroup(name) }

// maxPooled caps the buffers kept for reuse.
const maxPooled = 16 << 10

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	bp, _ := h.bufs.Get().(*[]byte)
	if bp == nil {
		b := make([]byte, 0, 512)
		bp = &b
	}
	line, ok := appendRecord((*bp)[:0], r)
	if !ok {
		h.bufs.Put(bp)
		return h.slow.Handle(ctx, r)
	}
	_, err := h.w.Write(line)
	if cap(line) <= maxPooled {
		*bp = line
		h.bufs.Put(bp)
	}
	return err
}

// appendRecord formats r as slog.TextHandler does, or reports false when r
// holds an attribute it leaves to slog.
func appendRecord(b []byte, r slog.Record) ([]byte, bool) {
	if y := r.Time.Year(); y < 0 || y > 9999 {
		return b, false // slog's own formatting of such years is its business
	}
	sep := ""
	if !r.Time.IsZero() {
		b = append(b, "time="...)
		b = appendTime(b, r.Time)
		sep = " "
	}
	b = append(b, sep...)
	b = append(b, "level="...)
	b = appendString(b, r.Level.String())
	b = append(b, " msg="...)
	b = appendString(b, r.Message)
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "" {
			ok = false // slog drops empty attributes and inlines groups
			return false
		}
		v := a.Value
		b = append(b, ' ')
		b = appendString(b, a.Key)
		b = append(b, '=')
		switch v.Kind() {
		case slog.KindString:
			b = appendString(b, v.String())
		case slog.KindInt64:
			b = strconv.AppendInt(b, v.Int64(), 10)
		case slog.KindUint64:
			b = strconv.AppendUint(b, v.Uint64(), 10)
		case slog.KindFloat64:
			b = strconv.AppendFloat(b, v.Float64(), 'g', -1, 64)
		case slog.KindBool:
			b = strconv.AppendBool(b, v.Bool())
		default:
			ok = false
		}
		return ok
	})
	return append(b, '\n'), ok
}

// appendTime writes t as RFC 3339 with exactly three fractional digits, in
// t's own zone, as slog's text format does: "2006-01-02T15:04:05.000Z07:00"
// without the layout interpretation of Time.AppendFormat, which cost a
// third of the line.
func appendTime(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, min, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/int(time.Millisecond), 3)
	_, offset := t.Zone()
	if offset == 0 {
		return append(b, 'Z')
	}
	sign := byte('+')
	if offset < 0 {
		sign, offset = '-', -offset
	}
	b = append(b, sign)
	b = appendDigits(b, offset/3600, 2)
	b = append(b, ':')
	return appendDigits(b, offset/60%60, 2)
}

// appendDigits writes n (0 <= n < 10^width) zero-padded to width digits.
func appendDigits(b []byte, n, width int) []byte {
	var d [4]byte
	for i := width - 1; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, d[:width]...)
}

// appendString writes s bare, or Go-quoted when slog's text format quotes
// it.
func appendString(b []byte, s string) []byte {
	if !needsQuote(s) {
		return append(b, s...)
	}
	if plainASCII(s) { // what strconv.AppendQuote would do, without its rune loop
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	return strconv.AppendQuote(b, s)
}

// plainASCII reports whether s is printable ASCII that quoting leaves as
// is: no '"' and no backslash.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// quoteASCII marks the ASCII bytes slog's text format quotes.
var quoteASCII = func() (q [utf8.RuneSelf]bool) {
	for c := range q {
		q[c] = c <= ' ' || c == '=' || c == '"'
	}
	return q
}()

// needsQuote is slog's rule: quote the empty string, spaces, '=', '"',
// ASCII control characters and any rune that is invalid, a space or not
// printable. A backslash and DEL stay bare.
func needsQuote(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if quoteASCII[c] {
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += n
	}
	return false
}
