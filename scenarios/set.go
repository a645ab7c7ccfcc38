package scenarios

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Set is a validated collection of scenarios with their compiled match
// rules. It is immutable once built and safe for concurrent reads.
type Set struct {
	byName map[string]*entry
	order  []*entry // every scenario, in match order
	// matchers are the entries of order that have a match rule and apply
	// to any action; forMatchers those that name an action or flow (For),
	// by that name. Select walks only the lists that can fit a call (the
	// library has hundreds of ocr scenarios matching by picture, which a
	// faceid call must not pay for).
	matchers    []*entry
	forMatchers map[string][]*entry
	sorted      []*Scenario
	// bySecret holds the defaultFor scenarios by SecretId and For
	// (secretKey): a SecretId can have one default per action or flow, and
	// one for everything else.
	bySecret map[secretKey]*Scenario
	def      *Scenario
}

type entry struct {
	sc       *Scenario
	pos      int // index in order: the match precedence
	extraRe  *regexp.Regexp
	redirect *regexp.Regexp
	params   map[string]*regexp.Regexp // compiled regex rules of Match.Params
}

// BuiltinDefault returns the scenario NewSet uses as "default" when the
// scenarios given have none: one passing attempt, completion manual.
func BuiltinDefault() *Scenario {
	return &Scenario{
		Name:        DefaultName,
		Description: "Global default: one passing attempt; the session completes when the user (or the control API) finishes it.",
		Source:      "builtin",
	}
}

// NewSet builds a set. The order of scenarios is the match order (the
// Loader passes user files in the order given, each by name, then the
// library by name). Every scenario is checked (Validate); scenarios with
// problems, duplicate names and defaultFor SecretIds claimed twice are left
// out and reported. When no scenario is named "default", BuiltinDefault is
// added. The returned set is never nil.
func NewSet(scenarios []*Scenario) (*Set, []Problem) {
	s := &Set{byName: map[string]*entry{}, bySecret: map[secretKey]*Scenario{}}
	var probs []Problem
	for _, sc := range scenarios {
		if sc == nil {
			continue
		}
		if ps := validate(sc, !sc.trusted); len(ps) > 0 {
			probs = append(probs, ps...)
			continue
		}
		if prev, dup := s.byName[sc.Name]; dup {
			probs = append(probs, Problem{File: sc.Source, Line: sc.nameLine(),
				Reason: fmt.Sprintf("duplicate scenario name %q (first defined at %s)", sc.Name, where(prev.sc.Source, prev.sc.nameLine()))})
			continue
		}
		e := &entry{sc: sc}
		if m := sc.Match; m != nil {
			if m.Extra != nil && m.Extra.Regex != "" {
				e.extraRe = regexp.MustCompile(m.Extra.Regex) // checked by Validate
			}
			if m.RedirectURL != "" {
				e.redirect = regexp.MustCompile(m.RedirectURL)
			}
			for name, pm := range m.Params {
				if pm != nil && pm.Regex != "" {
					if e.params == nil {
						e.params = map[string]*regexp.Regexp{}
					}
					e.params[name] = regexp.MustCompile(pm.Regex) // checked by Validate
				}
			}
		}
		s.byName[sc.Name] = e
		e.pos = len(s.order)
		s.order = append(s.order, e)
		switch {
		case sc.Match == nil:
		case sc.For == "":
			s.matchers = append(s.matchers, e)
		default:
			if s.forMatchers == nil {
				s.forMatchers = map[string][]*entry{}
			}
			s.forMatchers[sc.For] = append(s.forMatchers[sc.For], e)
		}
	}
	// defaultFor conflicts, in match order.
	for _, e := range s.order {
		for i, id := range e.sc.DefaultFor {
			key := secretKey{id, e.sc.For}
			if prev, taken := s.bySecret[key]; taken && prev != e.sc {
				probs = append(probs, Problem{File: e.sc.Source, Line: e.sc.defaultForLine(i),
					Reason: fmt.Sprintf("SecretId %q is already the default of scenario %q (%s)", id, prev.Name, where(prev.Source, prev.Line))})
				continue
			}
			s.bySecret[key] = e.sc
		}
	}
	if e, ok := s.byName[DefaultName]; ok {
		s.def = e.sc
	} else {
		s.def = BuiltinDefault()
		e := &entry{sc: s.def}
		s.byName[DefaultName] = e
		s.order = append(s.order, e)
	}
	for _, e := range s.order {
		s.sorted = append(s.sorted, e.sc)
	}
	sort.Slice(s.sorted, func(i, j int) bool { return s.sorted[i].Name < s.sorted[j].Name })
	return s, probs
}

func where(file string, line int) string {
	if line > 0 {
		return fmt.Sprintf("%s:%d", file, line)
	}
	return file
}

// Get returns the scenario with the given name.
func (s *Set) Get(name string) (*Scenario, bool) {
	e, ok := s.byName[name]
	if !ok {
		return nil, false
	}
	return e.sc, true
}

// List returns every scenario, sorted by name. The slice is a copy.
func (s *Set) List() []*Scenario {
	return append([]*Scenario(nil), s.sorted...)
}

// Len returns the number of scenarios.
func (s *Set) Len() int { return len(s.sorted) }

// Default returns the global default scenario (named "default").
func (s *Set) Default() *Scenario { return s.def }

// Select chooses the scenario of a call (an Apply, or an action answered at
// once): RuleId naming a scenario, else the first scenario for the call's
// action or flow whose match fits, else the default of the SecretId, else
// the global default. note explains a fall-through (a RuleId naming no
// scenario) and is empty otherwise. sc is never nil.
func (s *Set) Select(in SelectInput) (sc *Scenario, reason Reason, note string) {
	if in.RuleID != "" {
		if e, ok := s.byName[in.RuleID]; ok {
			return e.sc, ReasonRuleID, ""
		}
		note = fmt.Sprintf("RuleId %q names no scenario; falling through", in.RuleID)
	}
	if e := s.firstMatch(in); e != nil {
		return e.sc, ReasonMatch, note
	}
	if in.SecretID != "" {
		// The SecretId's default for the action, for the flow, then its
		// default for everything.
		for _, f := range [...]string{in.Action, in.Flow, ""} {
			if d, ok := s.bySecret[secretKey{in.SecretID, f}]; ok {
				return d, ReasonSecretDefault, note
			}
		}
	}
	return s.def, ReasonGlobalDefault, note
}

// secretKey is a SecretId and the For of its default ("" = everything); a
// struct key, so that a lookup on every call builds no string.
type secretKey struct{ secretID, forName string }

// firstMatch returns the first entry, in match order, whose rules fit: the
// entries for any action merged with those for the call's action and flow.
func (s *Set) firstMatch(in SelectInput) *entry {
	lists := [3][]*entry{s.matchers, s.forMatchers[in.Action]}
	if in.Flow != "" && in.Flow != in.Action {
		lists[2] = s.forMatchers[in.Flow]
	}
	for {
		best := -1
		for i, l := range lists {
			if len(l) > 0 && (best < 0 || l[0].pos < lists[best][0].pos) {
				best = i
			}
		}
		if best < 0 {
			return nil
		}
		e := lists[best][0]
		lists[best] = lists[best][1:]
		if e.matches(in) {
			return e
		}
	}
}

// IsFor reports whether the scenario applies to a call of action in flow:
// it names neither, or names one of them. A scenario with no For is a web
// flow scenario (the format before For existed) that also applies to any
// action.
func (s *Scenario) IsFor(action, flow string) bool {
	return s.For == "" || s.For == action || (flow != "" && s.For == flow)
}

func (e *entry) matches(in SelectInput) bool {
	m := e.sc.Match
	if !e.sc.IsFor(in.Action, in.Flow) {
		return false
	}
	if x := m.Extra; x != nil && !x.fits(in.Extra, e.extraRe) {
		return false
	}
	if e.redirect != nil && !e.redirect.MatchString(in.RedirectURL) {
		return false
	}
	if m.SecretID != "" && in.SecretID != m.SecretID {
		return false
	}
	if m.ImageSHA256 != "" && !slices.ContainsFunc(in.ImageSHA256, func(h string) bool { return strings.EqualFold(h, m.ImageSHA256) }) {
		return false
	}
	for name, pm := range m.Params {
		if in.Params == nil {
			return false
		}
		v, ok := in.Params.Param(name)
		if !ok || !pm.fits(v, e.params[name]) {
			return false
		}
	}
	return true
}

// fits reports whether v satisfies the rule; re is the compiled Regex.
func (x *StringMatch) fits(v string, re *regexp.Regexp) bool {
	switch {
	case x.Exact != "":
		return v == x.Exact
	case x.Prefix != "":
		return strings.HasPrefix(v, x.Prefix)
	case re != nil:
		return re.MatchString(v)
	}
	return true
}
