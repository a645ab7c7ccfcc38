package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The layout of sessions.db (format 4): a log of segments in bbolt.
//
// Each group commit writes the sessions it created or changed as one
// segment (bolt_segment.go), one bbolt value under the next segment
// number; a session's newest record is the one that counts. The token
// index, the creation order and the counts live in memory and are read
// from the segments' headers when the file is opened. A segment whose
// records are all superseded or deleted is deleted.
//
// Deleted sessions must not come back when the file is reopened (an older
// record of theirs may sit in a segment that is still alive): capacity
// eviction and expiry sweeps delete a prefix of the creation order, which
// the floor (meta) records; any other deletion (a reset, a namespace's
// reset) leaves the token and its creation sequence in bucketGone.
var (
	bucketSegments = []byte("segments")
	bucketGone     = []byte("gone")
	bucketMeta     = []byte("meta")
	keyFormat      = []byte("format")
	keyFloor       = []byte("floor")   // every session whose sequence is below it is deleted
	keyNextSeq     = []byte("nextSeq") // the next session's creation sequence

	// The buckets of earlier layouts (bolt_migrate.go).
	bucketSessions = []byte("sessions")
	bucketOrder    = []byte("order")
	bucketData     = []byte("data")
)

// boltFormat is the layout version written to the meta bucket; files of an
// earlier one are converted on open (bolt_migrate.go).
const boltFormat = "4"

// Bolt is a Store kept in a bbolt file, so sessions survive restarts.
//
// Writes are group commits: Create, Update and the deletes hand their work
// to one committer goroutine, which runs whatever is queued (up to
// maxBatch operations) in one write transaction writing one segment, and
// each caller gets its answer only once that transaction committed. Under
// load a transaction carries many sessions instead of one; alone, a write
// waits for nothing but its own commit.
//
// Writes skip fsync: a killed process (kill -9) loses nothing, because a
// committed transaction's pages are in the kernel's page cache, which
// outlives the process; a power cut may lose the last writes, which is
// fine for an emulator. So an answered Apply is on disk for the next
// process once its transaction committed, and its answer is sent only
// after that.
//
// The token index (where each session's newest record is), the creation
// order and the counts live in memory, about 160 bytes a session, and are
// read from the segments' headers when the file is opened.
type Bolt struct {
	db    *bolt.DB
	max   int
	codec Codec
	obs   Observer
	ops   chan *boltOp
	quit  chan struct{}
	done  chan struct{}
	once  sync.Once

	commits  atomic.Int64  // transactions committed (tests check batching)
	segment  segmentWriter // the committer's, reused by each batch
	batch    boltBatch     // the committer's, reused by each batch
	encoders sync.Pool     // *bytes.Buffer for encoding sessions
	n        atomic.Int64  // sessions stored, for Len without the lock

	// mu guards what follows. The committer holds it across each commit
	// and the update of the index that follows, so that a reader, which
	// holds it (read) around its bbolt read transaction, finds every
	// session where the index says. Only the committer changes these.
	mu      sync.RWMutex
	index   map[string]loc
	order   []orderEntry // creation order from order[first]; entries the index disagrees with are holes
	first   int
	holes   int            // holes in order[first:]
	live    map[uint64]int // current records per segment
	classes []classKey     // loc.class -> class
	classID map[classKey]uint32
	counts  []int // sessions by class
	floor   uint64
	nextSeq uint64
	nextSeg uint64
}

// loc is where a session's newest record is.
type loc struct {
	seg    uint64 // segment number
	seq    uint64 // creation sequence
	at     int64  // creation time, Unix ns
	off, n uint32 // the body within the segment
	class  uint32
}

type orderEntry struct {
	seq   uint64
	token string
}

// maxBatch bounds the operations of one group commit, so that one
// transaction's segment (and a waiting caller's latency) stays bounded.
// Under concurrent writes the committer lingers up to batchLinger for a
// batch of batchEnough.
const (
	maxBatch    = 256
	batchEnough = 24
	batchLinger = time.Millisecond
)

// boltOp is one write handed to the committer. run does the write in the
// shared batch: it returns a caller error (ErrExists, an error of an
// Update's fn...) having changed nothing, or a transaction error (bbolt's,
// a corrupt segment), after which the batch is rolled back and each
// operation retried in a batch of its own. delta is its change to the
// count; evicted the tokens it dropped for capacity.
type boltOp struct {
	run     func(w *boltBatch) (delta int, evicted []string, callerErr, txErr error)
	delta   int
	evicted []string
	err     error
	done    chan struct{}
}

func seqKey(q uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), q) }

// openBolt opens (or creates) the store in dir, keeping at most max
// sessions (0 = no limit). codec makes each flow's Data when a session is
// read back. OpenBolt checks the file first (bolt_check.go). Opening reads
// the segments' headers, no session.
func openBolt(dir string, max int, codec Codec) (*Bolt, error) {
	if codec == nil {
		return nil, errors.New("store: OpenBolt needs a Codec")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	path := filepath.Join(dir, "sessions.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoSync: true, NoGrowSync: true, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// A damaged file can still make bbolt panic while walking it: close it,
	// and let OpenBolt turn the panic into an error.
	defer func() {
		if p := recover(); p != nil {
			db.Close()
			panic(p)
		}
	}()
	b := &Bolt{db: db, max: max, codec: codec, ops: make(chan *boltOp, maxBatch), quit: make(chan struct{}), done: make(chan struct{}),
		index: map[string]loc{}, live: map[uint64]int{}, classID: map[classKey]uint32{}}
	if err := db.Update(b.load); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	go b.commit()
	return b, nil
}

// load converts an earlier layout, then reads the segments' headers into
// the index, the order and the counts, and drops what is dead.
func (b *Bolt) load(tx *bolt.Tx) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	segs, err := tx.CreateBucketIfNotExists(bucketSegments)
	if err != nil {
		return err
	}
	gb, err := tx.CreateBucketIfNotExists(bucketGone)
	if err != nil {
		return err
	}
	if format := string(meta.Get(keyFormat)); format != boltFormat {
		if err := migrate(tx, format); err != nil {
			return err
		}
		if err := meta.Put(keyFormat, []byte(boltFormat)); err != nil {
			return err
		}
	}
	b.floor, b.nextSeq = metaUint(meta, keyFloor), metaUint(meta, keyNextSeq)
	gone := map[string]uint64{}
	var stale [][]byte
	if err := gb.ForEach(func(k, v []byte) error {
		if len(v) == 8 && binary.BigEndian.Uint64(v) >= b.floor {
			gone[string(k)] = binary.BigEndian.Uint64(v)
		} else {
			stale = append(stale, k)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range stale {
		if err := gb.Delete(k); err != nil {
			return err
		}
	}
	// Size the index for the records the headers announce (superseded
	// ones included), so that it does not grow a step at a time.
	c := segs.Cursor()
	records := 0
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) != 8 {
			return fmt.Errorf("%w: key of %d bytes", errSegment, len(k))
		}
		records += segmentCount(getSegment(segs, binary.BigEndian.Uint64(k)))
	}
	// shadowed lists, for each gone token, the segments holding a record
	// it keeps dead.
	shadowed := map[string][]uint64{}
	b.index = make(map[string]loc, records)
	b.order = make([]orderEntry, 0, records)
	var last classKey
	lastID := uint32(0)
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		seg := binary.BigEndian.Uint64(k)
		b.nextSeg = seg + 1
		err := readSegment(getSegment(segs, seg), func(r *segRecord) error {
			if r.seq >= b.nextSeq {
				b.nextSeq = r.seq + 1
			}
			if r.seq < b.floor {
				return nil
			}
			if q, ok := gone[string(r.token)]; ok && r.seq <= q {
				shadowed[string(r.token)] = append(shadowed[string(r.token)], seg)
				return nil
			}
			if len(b.classes) == 0 || string(r.secretID) != last.secretID || string(r.flow) != last.flow || string(r.state) != last.state {
				last = classKey{string(r.secretID), string(r.flow), string(r.state)}
				lastID = b.class(last)
			}
			l := loc{seg: seg, seq: r.seq, at: r.at, off: r.off, n: r.n, class: lastID}
			if old, ok := b.index[string(r.token)]; ok {
				b.live[old.seg]--
				b.counts[old.class]--
				b.index[string(r.token)] = l
			} else {
				// A session's first record seen is, but for a session
				// whose first segments were deleted, its creation record:
				// the order comes out nearly sorted.
				t := string(r.token)
				b.index[t] = l
				b.order = append(b.order, orderEntry{r.seq, t})
			}
			b.live[seg]++
			b.counts[lastID]++
			return nil
		})
		if err != nil {
			return fmt.Errorf("segment %d: %w", seg, err)
		}
	}
	// Segments left with no current record go.
	var dead [][]byte
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if seg := binary.BigEndian.Uint64(k); b.live[seg] <= 0 {
			delete(b.live, seg)
			dead = append(dead, k)
		}
	}
	for _, k := range dead {
		if err := segs.DeleteBucket(k); err != nil {
			return err
		}
	}
	// A gone token is kept only while a segment still holds a record it
	// keeps dead, so that resets do not pile them up across restarts.
	for t := range gone {
		if !slices.ContainsFunc(shadowed[t], func(seg uint64) bool { return b.live[seg] > 0 }) {
			if err := gb.Delete([]byte(t)); err != nil {
				return err
			}
		}
	}
	byCreation := func(x, y orderEntry) int { return cmp.Compare(x.seq, y.seq) }
	if !slices.IsSortedFunc(b.order, byCreation) {
		slices.SortFunc(b.order, byCreation)
	}
	b.n.Store(int64(len(b.index)))
	return nil
}

func metaUint(meta *bolt.Bucket, k []byte) uint64 {
	if v := meta.Get(k); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// class is the id of c, added to the table if new. Only the committer
// (and load) calls it, so only adding takes the lock.
func (b *Bolt) class(c classKey) uint32 {
	if id, ok := b.classID[c]; ok {
		return id
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	id := uint32(len(b.classes))
	b.classes = append(b.classes, c)
	b.classID[c] = id
	b.counts = append(b.counts, 0)
	return id
}

// SetObserver implements Observable.
func (b *Bolt) SetObserver(o Observer) { b.obs = o }

// write runs op in the committer's next transaction and waits for its
// commit.
func (b *Bolt) write(run func(w *boltBatch) (int, []string, error, error)) (*boltOp, error) {
	op := &boltOp{run: run, done: make(chan struct{})}
	start := time.Now()
	select {
	case b.ops <- op:
	case <-b.quit:
		return nil, bolt.ErrDatabaseNotOpen
	}
	select {
	case <-op.done:
	case <-b.done:
		// The committer stopped: it answered everything it took.
		select {
		case <-op.done:
		default:
			return nil, bolt.ErrDatabaseNotOpen
		}
	}
	if b.obs != nil {
		b.obs.WriteLatency(time.Since(start))
	}
	if b.obs != nil && len(op.evicted) > 0 && op.err == nil {
		b.obs.Evicted(ReasonCapacity, op.evicted)
	}
	return op, op.err
}

// commit is the committer goroutine: it takes what is queued, runs it in
// one transaction and answers every operation once it committed.
func (b *Bolt) commit() {
	defer close(b.done)
	batch := make([]*boltOp, 0, maxBatch)
	lastBatch := 0
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for closing := false; !closing; {
		batch = batch[:0]
		select {
		case op := <-b.ops:
			batch = append(batch, op)
		case <-b.quit:
			// Answer what was queued before Close, then stop.
			closing = true
		}
		// Under concurrent writes (the last batch had company), linger up
		// to a millisecond for more: a transaction costs tens of
		// microseconds of CPU whatever it carries, and under load the CPU,
		// not the wait, bounds throughput. A lone writer never waits.
		lingering := lastBatch > 1 && !closing
		if lingering {
			linger.Reset(batchLinger)
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case op := <-b.ops:
				batch = append(batch, op)
				continue
			default:
			}
			if !lingering || len(batch) >= batchEnough {
				break
			}
			select {
			case op := <-b.ops:
				batch = append(batch, op)
			case <-linger.C:
				lingering = false
				break drain
			}
		}
		if lingering && !linger.Stop() {
			<-linger.C
		}
		lastBatch = len(batch)
		if len(batch) == 0 {
			continue
		}
		if err := b.runBatch(batch); err != nil {
			// One operation broke the transaction: run each alone, so
			// only the guilty one fails.
			for _, op := range batch {
				op.delta, op.evicted, op.err = 0, nil, nil
				if err := b.runBatch([]*boltOp{op}); err != nil {
					op.err = err
				}
			}
		}
		for _, op := range batch {
			close(op.done)
		}
	}
}

// runBatch runs ops in one write transaction and, once it committed,
// applies their changes to the index, the order and the counts.
func (b *Bolt) runBatch(ops []*boltOp) error {
	tx, err := b.db.Begin(true)
	if err != nil {
		return err
	}
	w := b.newBatch(tx)
	for _, op := range ops {
		delta, evicted, callerErr, txErr := op.run(w)
		if txErr != nil {
			_ = tx.Rollback()
			return txErr
		}
		op.delta, op.evicted, op.err = delta, evicted, callerErr
	}
	if err := w.finish(); err != nil {
		_ = tx.Rollback()
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := tx.Commit(); err != nil {
		return err
	}
	b.commits.Add(1)
	w.apply()
	return nil
}

// decode reads a session written by Create or Update, or by a release
// before flows (see decodeSession).
func (b *Bolt) decode(data []byte) (*Session, error) { return decodeSession(b.codec, data) }

// Create implements Store. The session is encoded by the caller's
// goroutine; only the writes wait for the committer.
func (b *Bolt) Create(s *Session) error {
	buf, _ := b.encoders.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer b.encoders.Put(buf)
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(s); err != nil {
		return err
	}
	_, err := b.write(b.createRun(s, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))))
	return err
}

// createRun is Create's work in a batch, data being s encoded.
func (b *Bolt) createRun(s *Session, data []byte) func(w *boltBatch) (int, []string, error, error) {
	return func(w *boltBatch) (int, []string, error, error) {
		if _, ok := w.lookup(s.Token); ok {
			return 0, nil, ErrExists, nil
		}
		seq := w.nextSeq
		w.nextSeq++
		w.put(s.Token, seq, s.CreatedAt.UnixNano(), classKey{s.SecretID, s.Flow, s.State}, data)
		w.order = append(w.order, orderEntry{seq, s.Token})
		w.n++
		var evicted []string
		for b.max > 0 && w.n > b.max {
			e, ok := w.oldest()
			if !ok {
				break
			}
			evicted = append(evicted, e.token)
			w.remove(e.token)
			w.first++
		}
		return 1 - len(evicted), evicted, nil, nil
	}
}

// Get implements Store.
func (b *Bolt) Get(token string) (*Session, error) {
	var data []byte
	err := b.read(func(tx *bolt.Tx) error {
		l, ok := b.index[token]
		if !ok {
			return ErrNotFound
		}
		body, err := recordBody(tx.Bucket(bucketSegments), l)
		data = append([]byte(nil), body...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return b.decode(data)
}

// read runs fn in a read transaction under the read lock, in that order
// (the committer takes the lock before bbolt's, so the other order could
// deadlock).
func (b *Bolt) read(fn func(tx *bolt.Tx) error) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.db.View(fn)
}

// recordBody is the body of the record at l, in a committed segment.
func recordBody(segs *bolt.Bucket, l loc) ([]byte, error) {
	v := getSegment(segs, l.seg)
	if uint64(l.off)+uint64(l.n) > uint64(len(v)) {
		return nil, fmt.Errorf("store: %w %d", errSegment, l.seg)
	}
	return v[l.off : l.off+l.n], nil
}

// Update implements Store. fn runs in the committer: like every Update fn
// it must be quick and must not call the store.
func (b *Bolt) Update(token string, fn func(*Session) error) (*Session, error) {
	var out *Session
	_, err := b.write(func(w *boltBatch) (int, []string, error, error) {
		out = nil
		l, ok := w.lookup(token)
		if !ok {
			return 0, nil, ErrNotFound, nil
		}
		data, err := w.body(l)
		if err != nil {
			return 0, nil, nil, err
		}
		s, err := b.decode(data)
		if err != nil {
			return 0, nil, err, nil
		}
		if err := fn(s); err != nil {
			return 0, nil, err, nil
		}
		enc, err := json.Marshal(s)
		if err != nil {
			return 0, nil, err, nil
		}
		// A read through Update (a flow's Get that found nothing to
		// change) writes nothing.
		if !bytes.Equal(enc, data) {
			w.put(token, l.seq, l.at, classKey{s.SecretID, s.Flow, s.State}, enc)
		}
		out = s
		return 0, nil, nil, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// walkOrder calls fn with each live session's JSON,
// oldest or newest first, until fn returns false. It runs under the read
// lock, in a read transaction.
func (b *Bolt) walkOrder(tx *bolt.Tx, newest bool, fn func(body []byte) bool) {
	segs := tx.Bucket(bucketSegments)
	var lastSeg uint64
	var lastVal []byte
	visit := func(e orderEntry) bool {
		l, ok := b.index[e.token]
		if !ok || l.seq != e.seq {
			return true
		}
		if lastVal == nil || l.seg != lastSeg {
			lastSeg, lastVal = l.seg, getSegment(segs, l.seg)
		}
		if uint64(l.off)+uint64(l.n) > uint64(len(lastVal)) {
			return true
		}
		return fn(lastVal[l.off : l.off+l.n])
	}
	if newest {
		for i := len(b.order) - 1; i >= b.first; i-- {
			if !visit(b.order[i]) {
				return
			}
		}
		return
	}
	for _, e := range b.order[b.first:] {
		if !visit(e) {
			return
		}
	}
}

// List implements Store.
func (b *Bolt) List(f Filter) []*Session {
	var out []*Session
	_ = b.read(func(tx *bolt.Tx) error {
		b.walkOrder(tx, false, func(body []byte) bool {
			if s, err := b.decode(body); err == nil && f.Match(s) {
				out = append(out, s)
			}
			return true
		})
		return nil
	})
	return out
}

// WalkNewest implements NewestWalker: it walks the creation order from its
// end and decodes only the sessions it hands out.
func (b *Bolt) WalkNewest(fn func(*Session) bool) {
	_ = b.read(func(tx *bolt.Tx) error {
		b.walkOrder(tx, true, func(body []byte) bool {
			s, err := b.decode(body)
			return err != nil || fn(s)
		})
		return nil
	})
}

// Delete implements Store.
func (b *Bolt) Delete(f Filter) int {
	op, err := b.write(func(w *boltBatch) (int, []string, error, error) {
		var doomed []string
		err := w.walk(func(token string, body []byte) {
			s, err := b.decode(body)
			if err != nil {
				s = &Session{}
			}
			if f.Match(s) {
				doomed = append(doomed, token)
			}
		})
		if err != nil {
			return 0, nil, nil, err
		}
		for _, t := range doomed {
			w.forget(t)
		}
		return -len(doomed), nil, nil, nil
	})
	if err != nil {
		return 0
	}
	return -op.delta
}

// EvictBefore implements Store: in creation order, up to the first
// session not older than t (as Memory does). Nothing is decoded.
func (b *Bolt) EvictBefore(t time.Time) int {
	limit := t.UnixNano()
	op, err := b.write(func(w *boltBatch) (int, []string, error, error) {
		n := 0
		for {
			e, ok := w.oldest()
			if !ok {
				break
			}
			if l, _ := w.lookup(e.token); l.at >= limit {
				break
			}
			w.remove(e.token)
			w.first++
			n++
		}
		return -n, nil, nil, nil
	})
	if err != nil {
		return 0
	}
	return -op.delta
}

// Len implements Store.
func (b *Bolt) Len() int { return int(b.n.Load()) }

// Count implements Counter for filters on SecretID, Flow and State.
func (b *Bolt) Count(f Filter) (int, bool) {
	if !f.CreatedBefore.IsZero() {
		return 0, false
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	n := 0
	for id, c := range b.classes {
		if (f.SecretID == "" || c.secretID == f.SecretID) && (f.Flow == "" || c.flow == f.Flow) && (f.State == "" || c.state == f.State) {
			n += b.counts[id]
		}
	}
	return n, true
}

// CountByFlowState implements StateCounter from the counts kept in memory.
func (b *Bolt) CountByFlowState() map[string]map[string]int {
	out := map[string]map[string]int{}
	b.mu.RLock()
	defer b.mu.RUnlock()
	for id, c := range b.classes {
		countInto(out, c.flow, c.state, b.counts[id])
	}
	return out
}

// Close implements Store: it stops the committer once the writes queued
// before it are answered (later ones fail), then closes the file.
func (b *Bolt) Close() error {
	b.once.Do(func() { close(b.quit) })
	<-b.done
	if err := b.db.Close(); err != nil && !errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return err
	}
	return nil
}
