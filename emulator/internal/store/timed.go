package store

import "time"

// Timed returns st reporting the duration of every Create and Update (the
// writes a request waits for) to observe: the persistence write latency of
// the metrics. Other methods go straight to st.
func Timed(st Store, observe func(time.Duration)) Store {
	return &timed{Store: st, observe: observe}
}

type timed struct {
	Store
	observe func(time.Duration)
}

func (t *timed) Create(s *Session) error {
	start := time.Now()
	err := t.Store.Create(s)
	t.observe(time.Since(start))
	return err
}

func (t *timed) Update(token string, fn func(*Session) error) (*Session, error) {
	start := time.Now()
	s, err := t.Store.Update(token, fn)
	t.observe(time.Since(start))
	return s, err
}
