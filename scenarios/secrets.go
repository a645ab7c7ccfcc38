package scenarios

import (
	"maps"
	"sort"
	"sync"
	"sync/atomic"
)

// WithSecretDefaults returns a set like s in which each SecretId of
// defaults selects the named scenario as its default (step 3 of Select),
// over the defaultFor of the files: for the action or flow the scenario is
// for (so a scenario for CompareFaceLiveness does not become the
// SecretId's web sessions' scenario), or for everything when it names none. Names that s does not have are left
// out and returned in missing (a reload may have removed them). s is not
// changed; the result shares its scenarios.
func (s *Set) WithSecretDefaults(defaults map[string]string) (set *Set, missing []string) {
	out := *s
	out.bySecret = maps.Clone(s.bySecret)
	if out.bySecret == nil {
		out.bySecret = map[secretKey]*Scenario{}
	}
	for id, name := range defaults {
		e, ok := s.byName[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		out.bySecret[secretKey{id, e.sc.For}] = e.sc
	}
	sort.Strings(missing)
	return &out, missing
}

// SecretDefaults are per-SecretId default scenarios chosen at run time (the
// control API), laid over whatever set is current: they survive reloads of
// the files. The zero value is ready; it is safe for concurrent use. Its
// size is bounded by the caller, which accepts only configured SecretIds.
type SecretDefaults struct {
	mu      sync.Mutex
	names   map[string]string
	version atomic.Uint64
	n       atomic.Int64
	cache   atomic.Pointer[overlaid]
}

type overlaid struct {
	base, set *Set
	version   uint64
}

// Set makes name the default scenario of secretID; "" removes the choice.
func (d *SecretDefaults) Set(secretID, name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.names == nil {
		d.names = map[string]string{}
	}
	if name == "" {
		delete(d.names, secretID)
	} else {
		d.names[secretID] = name
	}
	d.n.Store(int64(len(d.names)))
	d.version.Add(1)
}

// All returns a copy of the choices (SecretId → scenario name).
func (d *SecretDefaults) All() map[string]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return maps.Clone(d.names)
}

// Apply returns base with the choices laid over it. With no choice it is
// base itself; otherwise the overlaid set is built once per base and
// change, so the call on every API request costs two atomic loads.
func (d *SecretDefaults) Apply(base *Set) *Set {
	if d.n.Load() == 0 {
		return base
	}
	v := d.version.Load()
	if c := d.cache.Load(); c != nil && c.base == base && c.version == v {
		return c.set
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	v = d.version.Load()
	set, _ := base.WithSecretDefaults(d.names)
	d.cache.Store(&overlaid{base: base, set: set, version: v})
	return set
}
