package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/faceid-emulator/faceid-emulator/internal/redistest"
)

// The same table of behaviours runs against every Store implementation.

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type impl struct {
	name string
	open func(t *testing.T, max int) Store
}

func impls() []impl {
	return []impl{
		{"memory", func(t *testing.T, max int) Store { return NewMemory(max) }},
		{"bolt", func(t *testing.T, max int) Store {
			b, err := OpenBolt(t.TempDir(), max, testCodec{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			return b
		}},
		{"redis", func(t *testing.T, max int) Store { return openRedis(t, redistest.Start(t), max) }},
	}
}

// openRedis opens a Redis store on engine e (database 0, a prefix of its
// own), closed when t ends.
func openRedis(t *testing.T, e *redistest.Server, max int) *Redis {
	t.Helper()
	r, err := OpenRedis(RedisConfig{URL: e.URL(0), Max: max, Codec: testCodec{}, Prefix: "test:" + t.Name() + ":",
		TTL: func(string) time.Duration { return time.Hour }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// forEach runs fn against each implementation with a fresh store.
func forEach(t *testing.T, max int, fn func(t *testing.T, s Store)) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) { fn(t, im.open(t, max)) })
	}
}

func ptr[T any](v T) *T { return &v }

// testData stands for a flow's own part of a session: the store only
// clones it and encodes it as JSON.
type testData struct {
	RedirectURL string            `json:"redirectURL"`
	Extra       *string           `json:"extra"`
	Attempts    []testAttempt     `json:"attempts,omitempty"`
	Fields      map[string]string `json:"fields,omitempty"`
}

type testAttempt struct {
	Seq              string   `json:"seq"`
	ErrorCode        int      `json:"errorCode"`
	CompareErrorCode *int     `json:"compareErrorCode"`
	Tags             []string `json:"livenessInfoTag,omitempty"`
}

func (d *testData) Clone() Data {
	c := *d
	if d.Extra != nil {
		e := *d.Extra
		c.Extra = &e
	}
	if d.Attempts != nil {
		c.Attempts = make([]testAttempt, len(d.Attempts))
		for i, a := range d.Attempts {
			c.Attempts[i] = a
			if a.CompareErrorCode != nil {
				v := *a.CompareErrorCode
				c.Attempts[i].CompareErrorCode = &v
			}
			c.Attempts[i].Tags = append([]string(nil), a.Tags...)
		}
	}
	if d.Fields != nil {
		c.Fields = make(map[string]string, len(d.Fields))
		for k, v := range d.Fields {
			c.Fields[k] = v
		}
	}
	return &c
}

// testCodec knows the flows "web" and "other".
type testCodec struct{}

func (testCodec) NewData(flow string) (Data, bool) {
	switch flow {
	case "web", "other":
		return &testData{}, true
	}
	return nil, false
}

func data(s *Session) *testData { return s.Data.(*testData) }

// full is a session with every field set, so that a round trip through a
// store (JSON for bbolt) is checked field by field.
func full(token string, at time.Time) *Session {
	done := at.Add(3 * time.Minute)
	return &Session{
		Token:          token,
		Flow:           "web",
		SecretID:       "AKIDSTORE",
		CreatedAt:      at,
		Scenario:       "ocr-pass",
		ScenarioReason: "rule-id",
		Override:       []byte(`{"name":"x"}`),
		State:          StateCompleted,
		Polls:          2,
		PageOpened:     true,
		CompletedAt:    &done,
		Timeline:       []Event{{Time: at, Kind: "created", Detail: "scenario ocr-pass (rule-id)"}, {Time: done, Kind: "completed"}},
		Data: &testData{
			RedirectURL: "https://m.example/cb?a=1&b=<x>",
			Extra:       ptr("ünïcode & spaces"),
			Attempts: []testAttempt{
				{Seq: "s-1", ErrorCode: 1005, Tags: []string{"02"}},
				{Seq: "s-2", ErrorCode: 0, CompareErrorCode: ptr(0)},
			},
			Fields: map[string]string{"Name": "CHAN"},
		},
	}
}

func pending(token, secretID string, at time.Time) *Session {
	return &Session{Token: token, Flow: "web", SecretID: secretID, CreatedAt: at, State: StatePending,
		Data:     &testData{RedirectURL: "https://m.example/", Extra: ptr("extra-" + token)},
		Timeline: []Event{{Time: at, Kind: "created"}}}
}

func tokens(ss []*Session) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Token
	}
	return out
}

func TestStoreRoundTrip(t *testing.T) {
	forEach(t, 0, func(t *testing.T, s Store) {
		want := full("T1", t0)
		if err := s.Create(want); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get("T1")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
		}
		if s.Len() != 1 {
			t.Errorf("Len = %d", s.Len())
		}
	})
}

// TestStoreSnapshots checks the sharing contract: a session handed out is
// never changed by the store (Update works on a copy, even when fn fails
// half-way), and List returns copies the caller may change.
func TestStoreSnapshots(t *testing.T) {
	forEach(t, 0, func(t *testing.T, s Store) {
		if err := s.Create(full("T1", t0)); err != nil {
			t.Fatal(err)
		}
		before, _ := s.Get("T1")
		up, err := s.Update("T1", func(x *Session) error {
			x.Polls = 7
			d := data(x)
			*d.Extra = "changed"
			d.Attempts[0].Tags[0] = "changed"
			*d.Attempts[1].CompareErrorCode = 99
			x.Timeline[0].Kind = "changed"
			x.Override[0] = 'X'
			d.Fields["Name"] = "changed"
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(before, full("T1", t0)) {
			t.Errorf("Update changed a snapshot handed out before it: %+v", before)
		}
		if up.Polls != 7 || *data(up).Extra != "changed" {
			t.Errorf("Update returned %d %q, want its change", up.Polls, *data(up).Extra)
		}
		_, err = s.Update("T1", func(x *Session) error {
			x.Polls = 8
			x.Timeline[0].Kind = "half-way"
			return errors.New("refused")
		})
		if err == nil {
			t.Fatal("fn's error was not returned")
		}
		if g, _ := s.Get("T1"); !reflect.DeepEqual(g, up) {
			t.Errorf("a refused Update left a change: %+v", g)
		}
		listed := s.List(Filter{})
		listed[0].Polls = 9
		listed[0].Timeline[0].Kind = "listed"
		*data(listed[0]).Extra = "listed"
		data(listed[0]).Fields["Name"] = "listed"
		if g, _ := s.Get("T1"); !reflect.DeepEqual(g, up) {
			t.Errorf("changing List's copy changed the store: %+v", g)
		}
	})
}

func TestStoreErrors(t *testing.T) {
	forEach(t, 0, func(t *testing.T, s Store) {
		if _, err := s.Get("nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get unknown: %v", err)
		}
		if _, err := s.Update("nope", func(*Session) error { return nil }); !errors.Is(err, ErrNotFound) {
			t.Errorf("Update unknown: %v", err)
		}
		if err := s.Create(pending("T1", "A", t0)); err != nil {
			t.Fatal(err)
		}
		dup := pending("T1", "B", t0.Add(time.Second))
		if err := s.Create(dup); !errors.Is(err, ErrExists) {
			t.Errorf("Create duplicate: %v", err)
		}
		if g, _ := s.Get("T1"); g.SecretID != "A" || s.Len() != 1 {
			t.Errorf("duplicate Create changed the store: %+v len %d", g, s.Len())
		}
		boom := errors.New("boom")
		if _, err := s.Update("T1", func(x *Session) error { x.State = StateCompleted; return boom }); !errors.Is(err, boom) {
			t.Errorf("Update error: %v", err)
		}
		if g, _ := s.Get("T1"); g.State != StatePending {
			t.Errorf("a failed Update was stored: %s", g.State)
		}
	})
}

func TestStoreUpdate(t *testing.T) {
	forEach(t, 0, func(t *testing.T, s Store) {
		_ = s.Create(pending("T1", "A", t0))
		got, err := s.Update("T1", func(x *Session) error {
			x.State = StateCompleted
			data(x).Attempts = append(data(x).Attempts, testAttempt{Seq: "1", CompareErrorCode: ptr(0)})
			x.Timeline = append(x.Timeline, Event{Time: t0, Kind: "completed"})
			return nil
		})
		if err != nil || got.State != StateCompleted || len(data(got).Attempts) != 1 {
			t.Fatalf("Update returned %+v, %v", got, err)
		}
		g, _ := s.Get("T1")
		if !reflect.DeepEqual(g, got) {
			t.Errorf("stored %+v\nreturned %+v", g, got)
		}
	})
}

func TestStoreListDeleteLen(t *testing.T) {
	forEach(t, 0, func(t *testing.T, s Store) {
		for i, sec := range []string{"A", "B", "A", "B", "A"} {
			if err := s.Create(pending(fmt.Sprintf("T%d", i), sec, t0.Add(time.Duration(i)*time.Second))); err != nil {
				t.Fatal(err)
			}
		}
		_, _ = s.Update("T2", func(x *Session) error { x.State = StateCompleted; return nil })
		if got := tokens(s.List(Filter{})); !reflect.DeepEqual(got, []string{"T0", "T1", "T2", "T3", "T4"}) {
			t.Errorf("List all = %v (want oldest first)", got)
		}
		if got := tokens(s.List(Filter{SecretID: "A"})); !reflect.DeepEqual(got, []string{"T0", "T2", "T4"}) {
			t.Errorf("List A = %v", got)
		}
		if got := tokens(s.List(Filter{State: StateCompleted})); !reflect.DeepEqual(got, []string{"T2"}) {
			t.Errorf("List completed = %v", got)
		}
		if got := s.List(Filter{CreatedBefore: t0.Add(2 * time.Second)}); !reflect.DeepEqual(tokens(got), []string{"T0", "T1"}) {
			t.Errorf("List created before T2 = %v", tokens(got))
		}
		if got := s.List(Filter{Flow: "other"}); len(got) != 0 {
			t.Errorf("List flow other = %v", tokens(got))
		}
		if got := s.List(Filter{SecretID: "nobody"}); len(got) != 0 {
			t.Errorf("List nobody = %v", tokens(got))
		}
		if n := s.Delete(Filter{SecretID: "B"}); n != 2 {
			t.Errorf("Delete B = %d", n)
		}
		if s.Len() != 3 {
			t.Errorf("Len after Delete = %d", s.Len())
		}
		if _, err := s.Get("T1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleted T1: %v", err)
		}
		if n := s.Delete(Filter{}); n != 3 || s.Len() != 0 || len(s.List(Filter{})) != 0 {
			t.Errorf("Delete all = %d, Len %d", n, s.Len())
		}
	})
}

func TestStoreEvictBefore(t *testing.T) {
	forEach(t, 0, func(t *testing.T, s Store) {
		for i := 0; i < 5; i++ {
			_ = s.Create(pending(fmt.Sprintf("T%d", i), "A", t0.Add(time.Duration(i)*time.Hour)))
		}
		if n := s.EvictBefore(t0); n != 0 {
			t.Errorf("EvictBefore(first) = %d", n)
		}
		if n := s.EvictBefore(t0.Add(2*time.Hour + time.Nanosecond)); n != 3 {
			t.Errorf("EvictBefore = %d, want 3", n)
		}
		if got := tokens(s.List(Filter{})); !reflect.DeepEqual(got, []string{"T3", "T4"}) || s.Len() != 2 {
			t.Errorf("after EvictBefore: %v len %d", got, s.Len())
		}
		if n := s.EvictBefore(t0.Add(100 * time.Hour)); n != 2 || s.Len() != 0 {
			t.Errorf("EvictBefore(all) = %d, len %d", n, s.Len())
		}
	})
}

func TestStoreCapacity(t *testing.T) {
	forEach(t, 3, func(t *testing.T, s Store) {
		for i := 0; i < 7; i++ {
			if err := s.Create(pending(fmt.Sprintf("T%d", i), "A", t0.Add(time.Duration(i)*time.Second))); err != nil {
				t.Fatal(err)
			}
			if s.Len() > 3 {
				t.Fatalf("Len %d over capacity 3", s.Len())
			}
		}
		if got := tokens(s.List(Filter{})); !reflect.DeepEqual(got, []string{"T4", "T5", "T6"}) {
			t.Errorf("kept %v, want the newest three", got)
		}
		if _, err := s.Get("T0"); !errors.Is(err, ErrNotFound) {
			t.Errorf("oldest not evicted: %v", err)
		}
	})
}

// TestStoreCapacityClockBack: sessions created while the emulator's clock
// was set back (the control API can do that) are still evicted in the order
// they were created, not by their CreatedAt.
func TestStoreCapacityClockBack(t *testing.T) {
	forEach(t, 2, func(t *testing.T, s Store) {
		_ = s.Create(pending("T0", "A", t0))
		_ = s.Create(pending("T1", "A", t0.Add(time.Hour)))
		_ = s.Create(pending("T2", "A", t0.Add(-time.Hour))) // clock set back
		if got := tokens(s.List(Filter{})); !reflect.DeepEqual(got, []string{"T1", "T2"}) {
			t.Errorf("kept %v, want [T1 T2] (the newest two by creation)", got)
		}
	})
}

func TestStoreConcurrent(t *testing.T) {
	forEach(t, 500, func(t *testing.T, s Store) {
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 100; i++ {
					tok := fmt.Sprintf("G%d-%d", g, i)
					if err := s.Create(pending(tok, fmt.Sprint(g), t0.Add(time.Duration(i)*time.Millisecond))); err != nil {
						t.Error(err)
						return
					}
					if _, err := s.Update(tok, func(x *Session) error { x.Polls++; return nil }); err != nil && !errors.Is(err, ErrNotFound) {
						t.Error(err)
						return
					}
					if x, err := s.Get(tok); err == nil && (x.Polls != 1 || *data(x).Extra != "extra-"+tok) {
						t.Errorf("%s: polls %d extra %q", tok, x.Polls, *data(x).Extra)
					}
					if i%20 == 0 {
						_ = s.List(Filter{SecretID: fmt.Sprint(g)})
					}
					_ = s.Len()
				}
			}(g)
		}
		wg.Wait()
		if n := s.Len(); n != 500 || len(s.List(Filter{})) != 500 {
			t.Errorf("Len %d, List %d after 800 creates with capacity 500", n, len(s.List(Filter{})))
		}
	})
}

func TestBoltReopen(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBolt(dir, 3, testCodec{})
	if err != nil {
		t.Fatal(err)
	}
	want := full("T1", t0)
	_ = b.Create(want)
	_ = b.Create(pending("T2", "A", t0.Add(time.Second)))
	if _, err := b.Update("T2", func(x *Session) error { x.Polls = 5; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sessions.db")); err != nil {
		t.Fatal(err)
	}

	b, err = OpenBolt(dir, 3, testCodec{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Len() != 2 {
		t.Errorf("Len after reopen = %d", b.Len())
	}
	if got, err := b.Get("T1"); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("T1 after reopen: %+v %v", got, err)
	}
	if got, _ := b.Get("T2"); got == nil || got.Polls != 5 {
		t.Errorf("T2 after reopen: %+v", got)
	}
	// The capacity still counts the sessions found on disk.
	_ = b.Create(pending("T3", "A", t0.Add(2*time.Second)))
	_ = b.Create(pending("T4", "A", t0.Add(3*time.Second)))
	if got := tokens(b.List(Filter{})); !reflect.DeepEqual(got, []string{"T2", "T3", "T4"}) {
		t.Errorf("after reopen and two creates: %v", got)
	}
}

func TestBoltLocked(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBolt(dir, 0, testCodec{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	start := time.Now()
	if _, err := OpenBolt(dir, 0, testCodec{}); err == nil {
		t.Fatal("a second OpenBolt on a directory in use succeeded")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the second open took %v to fail", d)
	}
}

// TestBoltOldLayout: a file written with the first layout (order keys of
// createdAt + token, no format marker) opens with its order rebuilt.
func TestBoltOldLayout(t *testing.T) {
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "sessions.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		sb, _ := tx.CreateBucket(bucketSessions)
		ob, _ := tx.CreateBucket(bucketOrder)
		for i, tok := range []string{"T2", "T0", "T1"} {
			at := t0.Add(time.Duration([]int{2, 0, 1}[i]) * time.Hour)
			data, _ := json.Marshal(pending(tok, "A", at))
			_ = sb.Put([]byte(tok), data)
			k := make([]byte, 8+len(tok))
			binary.BigEndian.PutUint64(k, uint64(at.UnixNano()))
			copy(k[8:], tok)
			_ = ob.Put(k, nil)
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenBolt(dir, 3, testCodec{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got := tokens(b.List(Filter{})); !reflect.DeepEqual(got, []string{"T0", "T1", "T2"}) || b.Len() != 3 {
		t.Fatalf("after migration: %v len %d", got, b.Len())
	}
	if n := b.EvictBefore(t0.Add(30 * time.Minute)); n != 1 {
		t.Errorf("EvictBefore after migration = %d", n)
	}
	_ = b.Create(pending("T3", "A", t0.Add(3*time.Hour)))
	_ = b.Create(pending("T4", "A", t0.Add(4*time.Hour)))
	if got := tokens(b.List(Filter{})); !reflect.DeepEqual(got, []string{"T2", "T3", "T4"}) {
		t.Errorf("after migration and creates: %v", got)
	}
}

// TestStoreFlows: sessions of several flows share one store; Filter.Flow
// selects them and each keeps its own Data through a round trip.
func TestStoreFlows(t *testing.T) {
	forEach(t, 0, func(t *testing.T, s Store) {
		other := pending("O1", "A", t0.Add(time.Second))
		other.Flow = "other"
		_ = s.Create(pending("W1", "A", t0))
		_ = s.Create(other)
		if got := tokens(s.List(Filter{Flow: "other"})); !reflect.DeepEqual(got, []string{"O1"}) {
			t.Errorf("List flow other = %v", got)
		}
		if got := tokens(s.List(Filter{Flow: "web"})); !reflect.DeepEqual(got, []string{"W1"}) {
			t.Errorf("List flow web = %v", got)
		}
		if g, err := s.Get("O1"); err != nil || !reflect.DeepEqual(g, other) {
			t.Errorf("Get O1 = %+v, %v", g, err)
		}
		if n := s.Delete(Filter{Flow: "web", CreatedBefore: t0.Add(time.Hour)}); n != 1 || s.Len() != 1 {
			t.Errorf("Delete web = %d, Len %d", n, s.Len())
		}
	})
}

// TestBoltLegacyRecord: a data dir written before sessions had a flow
// (the web session's fields at the top level, the token as "bizToken")
// still opens, and its sessions read as flow "web"; a record of a flow the
// codec does not know is an error, not a panic.
func TestBoltLegacyRecord(t *testing.T) {
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "sessions.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	const legacy = `{"bizToken":"L1","secretId":"AKIDOLD","createdAt":"2026-03-01T12:00:00Z",` +
		`"redirectURL":"https://m.example/old","extra":"kept","ruleId":"r","config":{"CheckMode":2},` +
		`"hasCompareImage":false,"scenario":"pass","scenarioReason":"global-default","state":"completed",` +
		`"attempts":[{"seq":"s-1","errorCode":0,"compareErrorCode":0}],"polls":3,"pageOpened":true,` +
		`"completedAt":"2026-03-01T12:01:00Z","timeline":[{"time":"2026-03-01T12:00:00Z","kind":"created"}]}`
	const alien = `{"token":"X1","flow":"alien","secretId":"A","createdAt":"2026-03-01T13:00:00Z","state":"pending","data":{}}`
	err = db.Update(func(tx *bolt.Tx) error {
		sb, err := tx.CreateBucket(bucketSessions)
		if err != nil {
			return err
		}
		if err := sb.Put([]byte("L1"), []byte(legacy)); err != nil {
			return err
		}
		return sb.Put([]byte("X1"), []byte(alien))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenBolt(dir, 0, testCodec{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, err := b.Get("L1")
	if err != nil {
		t.Fatal(err)
	}
	done := t0.Add(time.Minute)
	want := &Session{
		Token: "L1", Flow: "web", SecretID: "AKIDOLD", CreatedAt: t0, Scenario: "pass", ScenarioReason: "global-default",
		State: StateCompleted, Polls: 3, PageOpened: true, CompletedAt: &done,
		Timeline: []Event{{Time: t0, Kind: "created"}},
		Data:     &testData{RedirectURL: "https://m.example/old", Extra: ptr("kept"), Attempts: []testAttempt{{Seq: "s-1", CompareErrorCode: ptr(0)}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("legacy record:\n got %+v %+v\nwant %+v %+v", got, got.Data, want, want.Data)
	}
	// Written back, it takes the current layout and reads the same.
	up, err := b.Update("L1", func(x *Session) error { x.Polls++; return nil })
	if err != nil || up.Polls != 4 {
		t.Fatalf("Update legacy: %+v %v", up, err)
	}
	if g, _ := b.Get("L1"); !reflect.DeepEqual(g, up) {
		t.Errorf("after rewrite: %+v, want %+v", g, up)
	}
	if _, err := b.Get("X1"); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Get of an unknown flow: %v, want a decoding error", err)
	}
	if got := tokens(b.List(Filter{})); !reflect.DeepEqual(got, []string{"L1"}) {
		t.Errorf("List skips the unknown flow: %v", got)
	}
	if _, err := OpenBolt(t.TempDir(), 0, nil); err == nil {
		t.Error("OpenBolt without a codec succeeded")
	}
}
