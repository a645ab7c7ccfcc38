package store

import (
	bolt "go.etcd.io/bbolt"
)

// boltBatch is a group commit in the making: its write transaction, the
// segment it writes, and its changes to the store's memory (index, order,
// counts), which apply only once the transaction committed. Only the
// committer uses it, and only the committer changes the store's memory, so
// reading that memory here needs no lock.
type boltBatch struct {
	b    *Bolt
	tx   *bolt.Tx
	segs *bolt.Bucket

	seg  uint64         // the segment this batch writes
	recs *segmentWriter // the store's, reset for the batch

	set        map[string]loc  // sessions written by the batch
	del        map[string]bool // sessions deleted by the batch
	liveDelta  map[uint64]int
	countDelta map[uint32]int
	gone       map[string]uint64 // deleted out of creation order: token -> sequence

	order      []orderEntry // sessions created by the batch, after the store's
	first      int          // the store's first, as the batch moved it
	n          int          // sessions, as the batch sees them
	nextSeq    uint64
	floorAfter uint64 // the floor finish wrote

	lastClass classKey
	lastID    uint32
	hasLast   bool
}

// newBatch readies the store's batch for a transaction. The batch and its
// maps are reused (cleared, their room kept): made afresh, growing them
// took a fifth of the committer's time under load.
func (b *Bolt) newBatch(tx *bolt.Tx) *boltBatch {
	w := &b.batch
	// A map does not shrink when cleared: after a batch that deleted many
	// sessions (a reset), start afresh rather than keep its room.
	if big := 4 * maxBatch; len(w.set) > big || len(w.del) > big || len(w.gone) > big || len(w.liveDelta) > big {
		w.set = nil
	}
	if w.set == nil {
		w.set, w.del, w.liveDelta, w.countDelta, w.gone = map[string]loc{}, map[string]bool{}, map[uint64]int{}, map[uint32]int{}, map[string]uint64{}
	}
	clear(w.set)
	clear(w.del)
	clear(w.liveDelta)
	clear(w.countDelta)
	clear(w.gone)
	b.segment.reset()
	w.b, w.tx, w.segs, w.seg, w.recs = b, tx, tx.Bucket(bucketSegments), b.nextSeg, &b.segment
	w.order, w.first, w.n, w.nextSeq, w.floorAfter = w.order[:0], b.first, int(b.n.Load()), b.nextSeq, 0
	return w
}

// lookup is where the session's newest record is, as the batch sees it.
func (w *boltBatch) lookup(token string) (loc, bool) {
	if w.del[token] {
		return loc{}, false
	}
	if l, ok := w.set[token]; ok {
		return l, true
	}
	l, ok := w.b.index[token]
	return l, ok
}

// body is the session's JSON at l, in this batch's segment or a committed
// one; valid until the transaction ends.
func (w *boltBatch) body(l loc) ([]byte, error) {
	if l.seg == w.seg {
		return w.recs.body(l.off, l.n), nil
	}
	return recordBody(w.segs, l)
}

// put writes a session's record into the batch's segment; it supersedes
// the session's older record, if any.
func (w *boltBatch) put(token string, seq uint64, at int64, c classKey, body []byte) {
	if old, ok := w.lookup(token); ok {
		w.liveDelta[old.seg]--
		w.countDelta[old.class]--
	}
	off, n := w.recs.add(token, seq, at, c, body)
	l := loc{seg: w.seg, seq: seq, at: at, off: off, n: n, class: w.class(c)}
	delete(w.del, token)
	w.set[token] = l
	w.liveDelta[w.seg]++
	w.countDelta[l.class]++
}

// class is c's id; most writes of a batch share the last one's.
func (w *boltBatch) class(c classKey) uint32 {
	if w.hasLast && w.lastClass == c {
		return w.lastID
	}
	w.lastClass, w.lastID, w.hasLast = c, w.b.class(c), true
	return w.lastID
}

// remove deletes a session (present).
func (w *boltBatch) remove(token string) {
	l, _ := w.lookup(token)
	w.liveDelta[l.seg]--
	w.countDelta[l.class]--
	delete(w.set, token)
	w.del[token] = true
	w.n--
}

// forget deletes a session out of creation order: its token and sequence
// are kept in bucketGone so that older records of it stay dead when the
// file is reopened.
func (w *boltBatch) forget(token string) {
	l, _ := w.lookup(token)
	w.gone[token] = l.seq
	w.remove(token)
}

// entry is the i-th entry of the creation order, as the batch sees it.
func (w *boltBatch) entry(i int) orderEntry {
	if i < len(w.b.order) {
		return w.b.order[i]
	}
	return w.order[i-len(w.b.order)]
}

func (w *boltBatch) orderLen() int { return len(w.b.order) + len(w.order) }

func (w *boltBatch) alive(e orderEntry) bool {
	l, ok := w.lookup(e.token)
	return ok && l.seq == e.seq
}

// oldest is the oldest live session, with w.first moved to it.
func (w *boltBatch) oldest() (orderEntry, bool) {
	for ; w.first < w.orderLen(); w.first++ {
		if e := w.entry(w.first); w.alive(e) {
			return e, true
		}
	}
	return orderEntry{}, false
}

// walk calls fn with each live session's token and JSON, oldest first.
func (w *boltBatch) walk(fn func(token string, body []byte)) error {
	for i := w.first; i < w.orderLen(); i++ {
		e := w.entry(i)
		if !w.alive(e) {
			continue
		}
		l, _ := w.lookup(e.token)
		body, err := w.body(l)
		if err != nil {
			return err
		}
		fn(e.token, body)
	}
	return nil
}

// finish writes the batch into its transaction: the segment, the deletion
// of segments left with no current record, the floor, the gone tokens and
// the next sequence.
func (w *boltBatch) finish() error {
	b := w.b
	if w.recs.n > 0 && w.liveDelta[w.seg] > 0 {
		if err := putSegment(w.segs, w.seg, w.recs.bytes()); err != nil {
			return err
		}
	}
	for seg, d := range w.liveDelta {
		if seg != w.seg && d != 0 && b.live[seg]+d <= 0 {
			if err := w.segs.DeleteBucket(seqKey(seg)); err != nil {
				return err
			}
		}
	}
	meta := w.tx.Bucket(bucketMeta)
	floor := w.nextSeq
	if e, ok := w.oldest(); ok {
		floor = e.seq
	}
	if floor != b.floor {
		if err := meta.Put(keyFloor, seqKey(floor)); err != nil {
			return err
		}
	}
	if len(w.gone) > 0 {
		gb := w.tx.Bucket(bucketGone)
		for t, q := range w.gone {
			if q < floor {
				continue
			}
			if err := gb.Put([]byte(t), seqKey(q)); err != nil {
				return err
			}
		}
	}
	if w.nextSeq != b.nextSeq {
		if err := meta.Put(keyNextSeq, seqKey(w.nextSeq)); err != nil {
			return err
		}
	}
	w.floorAfter = floor
	return nil
}

// apply makes the committed batch the store's state (under b.mu).
func (w *boltBatch) apply() {
	b := w.b
	for t := range w.del {
		delete(b.index, t)
	}
	for t, l := range w.set {
		b.index[t] = l
	}
	for seg, d := range w.liveDelta {
		if b.live[seg] += d; b.live[seg] <= 0 {
			delete(b.live, seg)
		}
	}
	for id, d := range w.countDelta {
		b.counts[id] += d
	}
	b.holes += len(w.gone)
	b.order = append(b.order, w.order...)
	b.first = w.first
	b.floor, b.nextSeq, b.nextSeg = w.floorAfter, w.nextSeq, w.seg+1
	b.n.Store(int64(len(b.index)))
	b.compactOrder()
}

// compactOrder gives back the order's memory once its evicted head or its
// holes outweigh its live entries.
func (b *Bolt) compactOrder() {
	if b.first > 1024 && b.first > len(b.order)/2 {
		b.order = append(make([]orderEntry, 0, len(b.order)-b.first+len(b.order)/4), b.order[b.first:]...)
		b.first = 0
	}
	if b.holes > 1024 && b.holes > len(b.index) {
		kept := make([]orderEntry, 0, len(b.index)+len(b.index)/4)
		for _, e := range b.order[b.first:] {
			if l, ok := b.index[e.token]; ok && l.seq == e.seq {
				kept = append(kept, e)
			}
		}
		b.order, b.first, b.holes = kept, 0, 0
	}
}
