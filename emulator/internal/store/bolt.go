package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	// bucketData holds the sessions by sequence number (8 bytes, big
	// endian) -> session JSON. Sequence numbers only grow, so a Create
	// appends to the last page instead of dirtying a random one (keyed by
	// the random token, a group commit of 30 sessions wrote 30 pages).
	bucketData = []byte("data")
	// bucketOrder keeps sessions in creation order, like Memory's ring:
	// sequence (8 bytes) + createdAt (8 bytes, ns) + token -> nil, all big
	// endian. The sequence, not CreatedAt, orders them: the emulator's clock
	// can be set back, and capacity eviction must still drop the sessions
	// created first (never the one just created). Opening the file reads
	// these keys (no session is decoded) into the token index.
	bucketOrder = []byte("order")
	bucketMeta  = []byte("meta")
	keyFormat   = []byte("format")
	// bucketSessions is the layout before format 3: token -> session JSON.
	bucketSessions = []byte("sessions")
)

// boltFormat is the layout version written to the meta bucket. A file
// without it (the first layout ordered by createdAt + token) has its order
// bucket rebuilt on open; a file of format 2 (sessions by token) has them
// moved to bucketData.
const boltFormat = "3"

// Offsets in an order key.
const (
	orderSeq   = 0
	orderTime  = 8
	orderToken = 16
)

// Bolt is a Store kept in a bbolt file, so sessions survive restarts.
//
// Writes are group commits: Create, Update and the deletes hand their work
// to one committer goroutine, which runs whatever is queued (up to
// maxBatch operations) in one write transaction, and each caller gets its
// answer only once that transaction committed. Under load a transaction
// carries many sessions instead of one; alone, a write waits for nothing
// but its own commit.
//
// Writes skip fsync: a killed process (kill -9) loses nothing, because a
// committed transaction's pages are in the kernel's page cache, which
// outlives the process; a power cut may lose the last writes, which is
// fine for an emulator. So an answered Apply is on disk for the next
// process once its transaction committed, and its answer is sent only
// after that.
//
// Sessions are stored by sequence number; the token index (token ->
// sequence) lives in memory, about 100 bytes a session, and is read from
// the order bucket's keys when the file is opened.
type Bolt struct {
	db    *bolt.DB
	max   int
	codec Codec
	obs   Observer
	n     atomic.Int64 // sessions stored; changed only by the committer
	ops   chan *boltOp
	quit  chan struct{}
	done  chan struct{}
	once  sync.Once

	commits atomic.Int64 // transactions committed (tests check batching)

	mu    sync.RWMutex      // guards index
	index map[string]uint64 // token -> sequence, committed sessions only
}

// maxBatch bounds the operations of one group commit, so that one
// transaction's dirty pages (and a waiting caller's latency) stay bounded.
// Under concurrent writes the committer lingers up to batchLinger for a
// batch of batchEnough.
const (
	maxBatch    = 256
	batchEnough = 24
	batchLinger = time.Millisecond
)

// boltOp is one write handed to the committer. run does the write inside
// the shared transaction: it returns a caller error (ErrExists, an error
// of an Update's fn...) having written nothing, or a transaction error
// (bbolt's), after which the batch is rolled back and each operation
// retried in a transaction of its own. delta is its change to the count;
// evicted the tokens it dropped for capacity.
type boltOp struct {
	run     func(w *boltTx) (delta int, evicted []string, callerErr, txErr error)
	delta   int
	evicted []string
	err     error
	done    chan struct{}
}

// boltTx is a group commit's transaction with the count and the index
// changes of the operations run so far, applied once it committed.
type boltTx struct {
	b     *Bolt
	tx    *bolt.Tx
	data  *bolt.Bucket
	order *bolt.Bucket
	n     int
	added map[string]uint64
	gone  map[string]bool
}

// seq is the token's sequence number as the transaction sees it.
func (w *boltTx) seq(token string) (uint64, bool) {
	if w.gone[token] {
		return 0, false
	}
	if q, ok := w.added[token]; ok {
		return q, true
	}
	w.b.mu.RLock()
	defer w.b.mu.RUnlock()
	q, ok := w.b.index[token]
	return q, ok
}

func (w *boltTx) add(token string, q uint64) {
	delete(w.gone, token)
	w.added[token] = q
}

func (w *boltTx) remove(token string) {
	delete(w.added, token)
	w.gone[token] = true
}

// deleteKey removes the session of an order key from both buckets.
func (w *boltTx) deleteKey(k []byte) error {
	if err := w.data.Delete(k[orderSeq:orderTime]); err != nil {
		return err
	}
	if err := w.order.Delete(k); err != nil {
		return err
	}
	w.remove(string(k[orderToken:]))
	return nil
}

func seqKey(q uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, q)
	return k
}

// openBolt opens (or creates) the store in dir, keeping at most max
// sessions (0 = no limit). codec makes each flow's Data when a session is
// read back. OpenBolt checks the file first (bolt_check.go). Opening
// decodes no session: the token index (and the count) is read from the
// order bucket's keys.
func openBolt(dir string, max int, codec Codec) (*Bolt, error) {
	if codec == nil {
		return nil, errors.New("store: OpenBolt needs a Codec")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	path := filepath.Join(dir, "sessions.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoSync: true, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
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
	b := &Bolt{db: db, max: max, codec: codec, ops: make(chan *boltOp, maxBatch), quit: make(chan struct{}), done: make(chan struct{})}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bucketData); err != nil {
			return err
		}
		switch string(meta.Get(keyFormat)) {
		case boltFormat:
		case "2":
			if err := moveToData(tx); err != nil {
				return err
			}
		default:
			if tx.Bucket(bucketSessions) != nil {
				if err := rebuildOrder(tx); err != nil {
					return err
				}
				if err := moveToData(tx); err != nil {
					return err
				}
			}
		}
		if err := meta.Put(keyFormat, []byte(boltFormat)); err != nil {
			return err
		}
		ob, err := tx.CreateBucketIfNotExists(bucketOrder)
		if err != nil {
			return err
		}
		b.index = make(map[string]uint64, ob.Stats().KeyN)
		if err := ob.ForEach(func(k, _ []byte) error {
			b.index[string(k[orderToken:])] = binary.BigEndian.Uint64(k[orderSeq:])
			return nil
		}); err != nil {
			return err
		}
		b.n.Store(int64(len(b.index)))
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	go b.commit()
	return b, nil
}

// moveToData moves a format 2 file's sessions (by token) into bucketData
// (by sequence number), in creation order.
func moveToData(tx *bolt.Tx) error {
	sb, ob, db := tx.Bucket(bucketSessions), tx.Bucket(bucketOrder), tx.Bucket(bucketData)
	if sb == nil || ob == nil {
		return nil
	}
	var dangling [][]byte
	err := ob.ForEach(func(k, _ []byte) error {
		v := sb.Get(k[orderToken:])
		if v == nil {
			dangling = append(dangling, append([]byte(nil), k...))
			return nil
		}
		return db.Put(append([]byte(nil), k[orderSeq:orderTime]...), append([]byte(nil), v...))
	})
	if err != nil {
		return err
	}
	for _, k := range dangling {
		if err := ob.Delete(k); err != nil {
			return err
		}
	}
	return tx.DeleteBucket(bucketSessions)
}

// SetObserver implements Observable.
func (b *Bolt) SetObserver(o Observer) { b.obs = o }

// write runs op in the committer's next transaction and waits for its
// commit.
func (b *Bolt) write(run func(w *boltTx) (int, []string, error, error)) (*boltOp, error) {
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
		// to a millisecond for more: a transaction costs a few hundred
		// microseconds of CPU whatever it carries (measured: 1.8 writes
		// a transaction without lingering, 16-23 with), and under load the
		// CPU, not the wait, bounds throughput. A lone writer never waits.
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
// updates the count and the index.
func (b *Bolt) runBatch(ops []*boltOp) error {
	w := &boltTx{b: b, n: int(b.n.Load()), added: map[string]uint64{}, gone: map[string]bool{}}
	err := b.db.Update(func(tx *bolt.Tx) error {
		w.tx, w.data, w.order = tx, tx.Bucket(bucketData), tx.Bucket(bucketOrder)
		// Sessions are appended: full pages split at the end.
		w.data.FillPercent, w.order.FillPercent = 0.95, 0.95
		for _, op := range ops {
			delta, evicted, callerErr, txErr := op.run(w)
			if txErr != nil {
				return txErr
			}
			op.delta, op.evicted, op.err = delta, evicted, callerErr
			w.n += delta
		}
		return nil
	})
	if err != nil {
		return err
	}
	b.commits.Add(1)
	b.mu.Lock()
	for t := range w.gone {
		delete(b.index, t)
	}
	for t, q := range w.added {
		b.index[t] = q
	}
	b.mu.Unlock()
	b.n.Store(int64(w.n))
	return nil
}

// rebuildOrder recreates the order bucket from the sessions, oldest
// CreatedAt first (the best guess of the creation order of an older file).
func rebuildOrder(tx *bolt.Tx) error {
	if tx.Bucket(bucketOrder) != nil {
		if err := tx.DeleteBucket(bucketOrder); err != nil {
			return err
		}
	}
	ob, err := tx.CreateBucket(bucketOrder)
	if err != nil {
		return err
	}
	type item struct {
		at    time.Time
		token string
	}
	var items []item
	err = tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
		// Only the creation time is needed: no flow's Data is decoded.
		var head struct {
			CreatedAt time.Time `json:"createdAt"`
		}
		_ = json.Unmarshal(v, &head)
		at := head.CreatedAt
		items = append(items, item{at, string(k)})
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(items, func(a, b item) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.token, b.token)
	})
	for _, it := range items {
		seq, err := ob.NextSequence()
		if err != nil {
			return err
		}
		if err := ob.Put(orderKey(seq, it.at, it.token), nil); err != nil {
			return err
		}
	}
	return nil
}

func orderKey(seq uint64, createdAt time.Time, token string) []byte {
	k := make([]byte, orderToken+len(token))
	binary.BigEndian.PutUint64(k[orderSeq:], seq)
	binary.BigEndian.PutUint64(k[orderTime:], uint64(createdAt.UnixNano()))
	copy(k[orderToken:], token)
	return k
}

// decode reads a session written by Create or Update, or by a release
// before flows (see decodeSession).
func (b *Bolt) decode(data []byte) (*Session, error) { return decodeSession(b.codec, data) }

// Create implements Store. The session is encoded by the caller's
// goroutine; only the writes wait for the committer.
func (b *Bolt) Create(s *Session) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	key := orderKey(0, s.CreatedAt, s.Token)
	_, err = b.write(func(w *boltTx) (int, []string, error, error) {
		if _, ok := w.seq(s.Token); ok {
			return 0, nil, ErrExists, nil
		}
		seq, err := w.order.NextSequence()
		if err != nil {
			return 0, nil, nil, err
		}
		binary.BigEndian.PutUint64(key[orderSeq:], seq)
		if err := w.data.Put(key[orderSeq:orderTime], data); err != nil {
			return 0, nil, nil, err
		}
		if err := w.order.Put(key, nil); err != nil {
			return 0, nil, nil, err
		}
		w.add(s.Token, seq)
		var evicted []string
		if b.max > 0 {
			over := w.n + 1 - b.max
			c := w.order.Cursor()
			for k, _ := c.First(); k != nil && len(evicted) < over; k, _ = c.First() {
				evicted = append(evicted, string(k[orderToken:]))
				if err := w.deleteKey(append([]byte(nil), k...)); err != nil {
					return 0, nil, nil, err
				}
			}
		}
		return 1 - len(evicted), evicted, nil, nil
	})
	return err
}

// Get implements Store.
func (b *Bolt) Get(token string) (*Session, error) {
	b.mu.RLock()
	q, ok := b.index[token]
	b.mu.RUnlock()
	if !ok {
		return nil, ErrNotFound
	}
	var s *Session
	err := b.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketData).Get(seqKey(q))
		if data == nil {
			return ErrNotFound // deleted since the index was read
		}
		var err error
		s, err = b.decode(data)
		return err
	})
	return s, err
}

// Update implements Store. fn runs in the committer's transaction: like
// every Update fn it must be quick and must not call the store.
func (b *Bolt) Update(token string, fn func(*Session) error) (*Session, error) {
	var out *Session
	_, err := b.write(func(w *boltTx) (int, []string, error, error) {
		out = nil
		q, ok := w.seq(token)
		if !ok {
			return 0, nil, ErrNotFound, nil
		}
		key := seqKey(q)
		data := w.data.Get(key)
		if data == nil {
			return 0, nil, ErrNotFound, nil
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
		if err := w.data.Put(key, enc); err != nil {
			return 0, nil, nil, err
		}
		out = s
		return 0, nil, nil, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// walk calls fn with each order key and its session's JSON, oldest first
// or newest first, until fn returns false.
func walk(tx *bolt.Tx, newest bool, fn func(k, data []byte) bool) {
	db := tx.Bucket(bucketData)
	c := tx.Bucket(bucketOrder).Cursor()
	first, next := c.First, c.Next
	if newest {
		first, next = c.Last, c.Prev
	}
	for k, _ := first(); k != nil; k, _ = next() {
		if data := db.Get(k[orderSeq:orderTime]); data != nil && !fn(k, data) {
			return
		}
	}
}

// List implements Store.
func (b *Bolt) List(f Filter) []*Session {
	var out []*Session
	_ = b.db.View(func(tx *bolt.Tx) error {
		walk(tx, false, func(_, data []byte) bool {
			if s, err := b.decode(data); err == nil && f.Match(s) {
				out = append(out, s)
			}
			return true
		})
		return nil
	})
	return out
}

// WalkNewest implements NewestWalker: it walks the order bucket from its
// end and decodes only the sessions it hands out.
func (b *Bolt) WalkNewest(fn func(*Session) bool) {
	_ = b.db.View(func(tx *bolt.Tx) error {
		walk(tx, true, func(_, data []byte) bool {
			s, err := b.decode(data)
			return err != nil || fn(s)
		})
		return nil
	})
}

// Delete implements Store.
func (b *Bolt) Delete(f Filter) int {
	return b.deleteWhere(true, func(k []byte, s *Session) (bool, bool) { return f.Match(s), true })
}

// EvictBefore implements Store.
func (b *Bolt) EvictBefore(t time.Time) int {
	limit := make([]byte, 8)
	binary.BigEndian.PutUint64(limit, uint64(t.UnixNano()))
	// In creation order, up to the first session not older than t (as
	// Memory does). The creation time is in the key: nothing is decoded.
	return b.deleteWhere(false, func(k []byte, _ *Session) (bool, bool) {
		old := bytes.Compare(k[orderTime:orderToken], limit) < 0
		return old, old
	})
}

// deleteWhere walks sessions in creation order; pick says whether to delete
// and whether to go on. With decodeSessions false pick gets a nil session.
func (b *Bolt) deleteWhere(decodeSessions bool, pick func(k []byte, s *Session) (del, more bool)) int {
	op, err := b.write(func(w *boltTx) (int, []string, error, error) {
		var doomed [][]byte
		c := w.order.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			var s *Session
			if decodeSessions {
				s = &Session{}
				if data := w.data.Get(k[orderSeq:orderTime]); data != nil {
					if d, err := b.decode(data); err == nil {
						s = d
					}
				}
			}
			del, more := pick(k, s)
			if del {
				doomed = append(doomed, append([]byte(nil), k...))
			}
			if !more {
				break
			}
		}
		for _, k := range doomed {
			if err := w.deleteKey(k); err != nil {
				return 0, nil, nil, err
			}
		}
		return -len(doomed), nil, nil, nil
	})
	if err != nil {
		return 0
	}
	return -op.delta
}

// Len implements Store.
func (b *Bolt) Len() int { return int(b.n.Load()) }

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
