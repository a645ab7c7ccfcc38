package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// openBoltT opens a bolt store in dir, closed when the test ends.
func openBoltT(t *testing.T, dir string, max int) *Bolt {
	t.Helper()
	b, err := OpenBolt(dir, max, testCodec{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// reopen closes b and opens its directory again.
func reopen(t *testing.T, b *Bolt, dir string, max int) *Bolt {
	t.Helper()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	return openBoltT(t, dir, max)
}

// createTogether creates ss in one group commit (the committer is idle:
// the test runs the batch itself), so that they share a segment.
func createTogether(t *testing.T, b *Bolt, ss ...*Session) {
	t.Helper()
	var ops []*boltOp
	for _, s := range ss {
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, &boltOp{run: b.createRun(s, data)})
	}
	if err := b.runBatch(ops); err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if op.err != nil {
			t.Fatal(op.err)
		}
	}
}

// TestBoltDeletedStayDeleted: a session deleted in any way (a filtered
// delete out of creation order, capacity eviction, an expiry sweep) does
// not come back when the file is reopened, even when an older record of it
// sits in a segment that is still alive; a token created again after its
// deletion does survive.
func TestBoltDeletedStayDeleted(t *testing.T) {
	dir := t.TempDir()
	b := openBoltT(t, dir, 6)
	var first []*Session
	for i := range 5 {
		first = append(first, pending(fmt.Sprintf("T%d", i), []string{"A", "B"}[i%2], t0.Add(time.Duration(i)*time.Minute)))
	}
	createTogether(t, b, first...)
	// T1 gets a newer record in a later segment; its first one stays in
	// the segment of T0 and T2..., then T1 is deleted by a filter.
	if _, err := b.Update("T1", func(s *Session) error { s.Polls = 7; return nil }); err != nil {
		t.Fatal(err)
	}
	if n := b.Delete(Filter{SecretID: "B"}); n != 2 { // T1, T3
		t.Fatalf("Delete B = %d", n)
	}
	b = reopen(t, b, dir, 6)
	if got, want := tokens(b.List(Filter{})), []string{"T0", "T2", "T4"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after a filtered delete and a reopen: %v, want %v", got, want)
	}
	if n := b.EvictBefore(t0.Add(time.Minute)); n != 1 { // T0
		t.Fatalf("EvictBefore = %d", n)
	}
	// T3 again, a new session under a deleted token.
	if err := b.Create(pending("T3", "C", t0.Add(10*time.Minute))); err != nil {
		t.Fatal(err)
	}
	want := []string{"T2", "T4", "T3"}
	if got := tokens(b.List(Filter{})); !reflect.DeepEqual(got, want) {
		t.Fatalf("before reopen: %v, want %v", got, want)
	}
	b = reopen(t, b, dir, 6)
	if got := tokens(b.List(Filter{})); !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopen: %v, want %v", got, want)
	}
	if s, err := b.Get("T3"); err != nil || s.SecretID != "C" {
		t.Errorf("T3 after reopen: %+v %v", s, err)
	}
	if _, err := b.Get("T1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("T1 after reopen: %v, want ErrNotFound", err)
	}
	// Capacity eviction, then a reopen.
	var more []*Session
	for i := 5; i < 12; i++ {
		more = append(more, pending(fmt.Sprintf("T%d", i), "A", t0.Add(time.Duration(20+i)*time.Minute)))
	}
	createTogether(t, b, more[:4]...)
	createTogether(t, b, more[4:]...)
	want = []string{"T6", "T7", "T8", "T9", "T10", "T11"}
	if got := tokens(b.List(Filter{})); !reflect.DeepEqual(got, want) {
		t.Fatalf("at the cap: %v, want %v", got, want)
	}
	b = reopen(t, b, dir, 6)
	if got := tokens(b.List(Filter{})); !reflect.DeepEqual(got, want) || b.Len() != 6 {
		t.Fatalf("at the cap after reopen: %v (Len %d), want %v", got, b.Len(), want)
	}
	if n, ok := b.Count(Filter{SecretID: "A"}); !ok || n != 6 {
		t.Errorf("Count A = %d %v", n, ok)
	}
	if c := b.CountByFlowState(); c["web"][StatePending] != 6 {
		t.Errorf("CountByFlowState = %v", c)
	}
}

// TestBoltSegmentsReclaimed: segments whose sessions were all superseded
// or deleted are deleted, so a long run at the cap keeps the file's
// segments in proportion to the sessions kept.
func TestBoltSegmentsReclaimed(t *testing.T) {
	dir := t.TempDir()
	b := openBoltT(t, dir, 50)
	for i := range 2000 {
		tok := fmt.Sprintf("T%05d", i)
		if err := b.Create(pending(tok, "A", t0.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Update(tok, func(s *Session) error { s.Polls++; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	segments := 0
	_ = b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSegments).ForEach(func(_, _ []byte) error { segments++; return nil })
	})
	// One write at a time: a segment per write, the live ones at most one
	// per kept session.
	if segments > 50 {
		t.Errorf("%d segments for 50 sessions after 4000 writes", segments)
	}
}

// TestBoltFormat3: a file of the previous layout (sessions by sequence in
// "data", creation order in "order") opens with every session, its order
// and its counts, and is converted.
func TestBoltFormat3(t *testing.T) {
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "sessions.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	sessions := []*Session{full("F1", t0), pending("F2", "B", t0.Add(time.Minute)), pending("F3", "A", t0.Add(2*time.Minute))}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket(bucketMeta)
		data, _ := tx.CreateBucket(bucketData)
		order, _ := tx.CreateBucket(bucketOrder)
		if err := meta.Put(keyFormat, []byte("3")); err != nil {
			return err
		}
		for _, s := range sessions {
			seq, _ := order.NextSequence()
			v, _ := json.Marshal(s)
			if err := data.Put(binary.BigEndian.AppendUint64(nil, seq), v); err != nil {
				return err
			}
			if err := order.Put(orderKey(seq, s.CreatedAt, s.Token), nil); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	b := openBoltT(t, dir, 3)
	for _, s := range sessions {
		if got, err := b.Get(s.Token); err != nil || !reflect.DeepEqual(got, s) {
			t.Errorf("%s after conversion: %+v %v", s.Token, got, err)
		}
	}
	if n, _ := b.Count(Filter{SecretID: "B"}); n != 1 {
		t.Errorf("Count B = %d", n)
	}
	// The capacity evicts in the old file's creation order, and the
	// sequence goes on from it.
	_ = b.Create(pending("F4", "A", t0.Add(3*time.Minute)))
	b = reopen(t, b, dir, 3)
	if got := tokens(b.List(Filter{})); !reflect.DeepEqual(got, []string{"F2", "F3", "F4"}) {
		t.Errorf("after conversion, a create and a reopen: %v", got)
	}
	_ = b.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketData) != nil || tx.Bucket(bucketOrder) != nil {
			t.Error("the format 3 buckets are still there")
		}
		return nil
	})
}

// TestReadSegmentBounds: a damaged segment is an error, never a panic or
// a body outside the value.
func TestReadSegmentBounds(t *testing.T) {
	var w segmentWriter
	w.add("TOKEN", 7, 99, classKey{"A", "web", StatePending}, []byte(`{"token":"TOKEN"}`))
	w.add("TOKEN2", 8, 100, classKey{"A", "web", StatePending}, []byte(`{"token":"TOKEN2"}`))
	good := append([]byte(nil), w.bytes()...)
	var got []segRecord
	if err := readSegment(good, func(r *segRecord) error { got = append(got, *r); return nil }); err != nil || len(got) != 2 {
		t.Fatalf("good segment: %v %+v", err, got)
	}
	if r := got[1]; string(r.token) != "TOKEN2" || r.seq != 8 || r.at != 100 || string(good[r.off:r.off+r.n]) != `{"token":"TOKEN2"}` {
		t.Errorf("second record: %+v", r)
	}
	for cut := range len(good) {
		bad := good[:cut]
		_ = readSegment(bad, func(r *segRecord) error {
			if uint64(r.off)+uint64(r.n) > uint64(len(bad)) {
				t.Fatalf("cut at %d: a body outside the value", cut)
			}
			return nil
		})
	}
	flipped := append([]byte(nil), good...)
	binary.BigEndian.PutUint32(flipped[len(flipped)-4:], uint32(len(flipped)))
	if err := readSegment(flipped, func(*segRecord) error { return nil }); !errors.Is(err, errSegment) {
		t.Errorf("header offset past the end: %v", err)
	}
}

// TestBoltUpdateUnchanged: an Update whose fn changes nothing writes no
// segment; one that changes something does.
func TestBoltUpdateUnchanged(t *testing.T) {
	b := openBoltT(t, t.TempDir(), 0)
	if err := b.Create(full("U1", t0)); err != nil {
		t.Fatal(err)
	}
	before := b.nextSeg
	if _, err := b.Update("U1", func(*Session) error { return nil }); err != nil {
		t.Fatal(err)
	}
	b.mu.RLock()
	l := b.index["U1"]
	b.mu.RUnlock()
	if l.seg != before-1 {
		t.Errorf("an unchanged session moved to segment %d (was in %d)", l.seg, before-1)
	}
	if _, err := b.Update("U1", func(s *Session) error { s.Polls++; return nil }); err != nil {
		t.Fatal(err)
	}
	b.mu.RLock()
	l = b.index["U1"]
	b.mu.RUnlock()
	if l.seg == before-1 {
		t.Error("a changed session was not written")
	}
}

// TestBoltFileBoundedAtCap: at the cap, evicted sessions' segments are
// deleted and their pages reused, so the file stops growing however many
// sessions go through it.
func TestBoltFileBoundedAtCap(t *testing.T) {
	dir := t.TempDir()
	b := openBoltT(t, dir, 1000)
	size := func() int64 {
		st, err := os.Stat(filepath.Join(dir, "sessions.db"))
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	var plateau int64
	for round := range 5 {
		for i := range 20_000 / 24 {
			var ss []*Session
			for j := range 24 {
				n := round*20_000 + i*24 + j
				ss = append(ss, pending(fmt.Sprintf("C%07d", n), "A", t0.Add(time.Duration(n)*time.Millisecond)))
			}
			createTogether(t, b, ss...)
		}
		if round == 0 {
			plateau = size()
			continue
		}
		if s := size(); s > plateau*3/2 {
			t.Fatalf("after %d sessions at a cap of 1000 the file is %d bytes, after 20 000 it was %d", (round+1)*20_000, s, plateau)
		}
	}
	if b.Len() != 1000 {
		t.Errorf("Len %d, want 1000", b.Len())
	}
}

// FuzzReadSegment: any bytes read as a segment (a damaged file) give
// records whose bodies lie within the value, or an error; never a panic.
func FuzzReadSegment(f *testing.F) {
	var w segmentWriter
	w.add("TOKEN", 7, 99, classKey{"A", "web", StatePending}, []byte(`{"token":"TOKEN"}`))
	w.add("T2", 1<<40, -5, classKey{"", "ocr", StateCompleted}, nil)
	f.Add(append([]byte(nil), w.bytes()...))
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, v []byte) {
		_ = segmentCount(v)
		_ = readSegment(v, func(r *segRecord) error {
			if uint64(r.off)+uint64(r.n) > uint64(len(v)) {
				t.Fatalf("a body outside the value: %d+%d > %d", r.off, r.n, len(v))
			}
			return nil
		})
	})
}

// TestBoltGonePruned: a token deleted out of creation order is recorded
// only while a segment still holds a record of it; once its segments are
// gone, reopening the file drops the record.
func TestBoltGonePruned(t *testing.T) {
	dir := t.TempDir()
	b := openBoltT(t, dir, 0)
	createTogether(t, b, pending("A1", "keep", t0), pending("A2", "drop", t0.Add(time.Second)))
	if n := b.Delete(Filter{SecretID: "drop"}); n != 1 {
		t.Fatalf("Delete = %d", n)
	}
	gone := func() (keys []string) {
		_ = b.db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketGone).ForEach(func(k, _ []byte) error { keys = append(keys, string(k)); return nil })
		})
		return keys
	}
	if g := gone(); !reflect.DeepEqual(g, []string{"A2"}) {
		t.Fatalf("gone after the delete: %v, want [A2]", g)
	}
	b = reopen(t, b, dir, 0)
	if g := gone(); !reflect.DeepEqual(g, []string{"A2"}) {
		t.Fatalf("gone after a reopen, A1 still beside A2's record: %v, want [A2]", g)
	}
	// A1 moves to a new segment: the old one, A2's, is deleted.
	if _, err := b.Update("A1", func(s *Session) error { s.Polls++; return nil }); err != nil {
		t.Fatal(err)
	}
	b = reopen(t, b, dir, 0)
	if g := gone(); len(g) != 0 {
		t.Errorf("gone after A2's segment went: %v, want none", g)
	}
	if got := tokens(b.List(Filter{})); !reflect.DeepEqual(got, []string{"A1"}) {
		t.Errorf("sessions: %v, want [A1]", got)
	}
}
