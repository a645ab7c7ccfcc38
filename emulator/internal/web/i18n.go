package web

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// languages are the Config.Language values the page speaks, with the BCP 47
// tag written into <html lang>.
var languages = []struct{ Code, Tag string }{
	{"en", "en"},
	{"zh-cn", "zh-Hans"},
	{"zh-tc", "zh-Hant"},
	{"th", "th"},
	{"id", "id"},
}

// fallbackLanguage is used for pages without a session and for values the
// table does not know (Apply already resolved Language, so this is a guard).
const fallbackLanguage = "en"

// translations maps language → key → text. Every string of the page comes
// from here (i18n.json); the only untranslated text is data: result codes,
// the ErrorMsg the merchant receives (shown marked lang="en") and the
// scenario name.
type translations map[string]map[string]string

func loadTranslations(data []byte) (translations, error) {
	var tr translations
	if err := json.Unmarshal(data, &tr); err != nil {
		return nil, fmt.Errorf("i18n.json: %w", err)
	}
	for _, l := range languages {
		if tr[l.Code] == nil {
			return nil, fmt.Errorf("i18n.json: language %q missing", l.Code)
		}
	}
	return tr, nil
}

// htmlLang returns the <html lang> tag of a Config.Language value.
func htmlLang(code string) string {
	for _, l := range languages {
		if l.Code == code {
			return l.Tag
		}
	}
	return fallbackLanguage
}

// reportMissing is told about a key absent from a language; tests replace
// it to fail on a missing translation.
var reportMissing = func(lang, key string) {}

// lookup returns the text of key in lang, falling back to English and, as a
// last resort, to the key itself.
func (tr translations) lookup(lang, key string) string {
	if s, ok := tr[lang][key]; ok {
		return s
	}
	reportMissing(lang, key)
	if s, ok := tr[fallbackLanguage][key]; ok {
		return s
	}
	return key
}

// format replaces {0}, {1}, ... in s with args.
func format(s string, args ...any) string {
	if len(args) == 0 {
		return s
	}
	pairs := make([]string, 0, 2*len(args))
	for i, a := range args {
		pairs = append(pairs, "{"+strconv.Itoa(i)+"}", fmt.Sprint(a))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}
