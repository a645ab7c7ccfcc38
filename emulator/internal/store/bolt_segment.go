package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// A segment is the bbolt value one group commit writes: the sessions the
// commit created or changed, as
//
//	body 0 | body 1 | ... | header | header offset (4 bytes, big endian)
//
// where each body is a session's JSON and the header lists, for each body in
// order, its token, creation sequence, creation time (Unix ns), the
// session's SecretId, flow and state, and the body's length (unsigned
// varints before each string and for the numbers, 8 bytes for the time).
// The header repeats what opening the store needs (the token index, the
// creation order and the counts) so that opening reads no body.
//
// This framing is written by hand, not with a library, for a measured goal
// of issue 15 (Apply throughput with EMULATOR_DATA_DIR at least 0.8 of the
// in-memory figure): one bbolt value per group commit, written in a buffer
// the committer reuses, instead of two bbolt keys per session took the
// bench's ratio from 0.70-0.79 to 0.82-0.87 (-persist, same machine, same
// hour) and the in-process CPU of a parallel Apply from 34-38 to 27-35 µs
// (BenchmarkEmulatorParallelApply).

// segRecord is one session's entry in a segment's header, as read: its
// byte slices point into the segment (copy what outlives the read).
type segRecord struct {
	token                 []byte
	seq                   uint64
	at                    int64
	secretID, flow, state []byte
	off, n                uint32 // the body, within the segment
}

// classKey is what the counts are kept by.
type classKey struct{ secretID, flow, state string }

// segmentWriter builds a segment.
type segmentWriter struct {
	buf    []byte // bodies
	header []byte
	n      int
}

// add appends a record and returns where its body is.
func (w *segmentWriter) add(token string, seq uint64, at int64, c classKey, body []byte) (off, n uint32) {
	off, n = uint32(len(w.buf)), uint32(len(body))
	w.buf = append(w.buf, body...)
	h := w.header
	h = appendString(h, token)
	h = binary.AppendUvarint(h, seq)
	h = binary.BigEndian.AppendUint64(h, uint64(at))
	h = appendString(h, c.secretID)
	h = appendString(h, c.flow)
	h = appendString(h, c.state)
	h = binary.AppendUvarint(h, uint64(n))
	w.header = h
	w.n++
	return off, n
}

// body is a body added to the segment being built.
func (w *segmentWriter) body(off, n uint32) []byte { return w.buf[off : off+n] }

// bytes is the segment's value: it appends the header to the bodies, in
// the writer's buffer (valid until reset).
func (w *segmentWriter) bytes() []byte {
	at := len(w.buf)
	w.buf = binary.AppendUvarint(w.buf, uint64(w.n))
	w.buf = append(w.buf, w.header...)
	w.buf = binary.BigEndian.AppendUint32(w.buf, uint32(at))
	return w.buf
}

// maxKeptBuffer bounds the memory a segment writer keeps between batches.
const maxKeptBuffer = 4 << 20

// reset empties the writer, keeping its buffers for the next segment
// (the committer writes one segment per batch: reusing them spares the
// collector about 4 KB a session).
func (w *segmentWriter) reset() {
	if cap(w.buf) > maxKeptBuffer {
		w.buf = nil
	}
	w.buf, w.header, w.n = w.buf[:0], w.header[:0], 0
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

var errSegment = errors.New("corrupt segment")

// segmentCount is the number of records segment v says it holds.
func segmentCount(v []byte) int {
	if len(v) < 4 {
		return 0
	}
	hdr := int(binary.BigEndian.Uint32(v[len(v)-4:]))
	if hdr > len(v)-4 {
		return 0
	}
	n, k := binary.Uvarint(v[hdr : len(v)-4])
	if k <= 0 || n > uint64(len(v)) {
		return 0
	}
	return int(n)
}

// readSegment calls fn with each record of segment v, in order.
func readSegment(v []byte, fn func(r *segRecord) error) error {
	if len(v) < 4 {
		return errSegment
	}
	hdr := int(binary.BigEndian.Uint32(v[len(v)-4:]))
	if hdr > len(v)-4 {
		return errSegment
	}
	p := segParser{b: v[hdr : len(v)-4]}
	count := p.uvarint()
	off := uint64(0)
	var r segRecord
	for i := 0; i < int(count) && p.err == nil; i++ {
		r.token = p.bytes()
		r.seq = p.uvarint()
		r.at = int64(p.u64())
		r.secretID, r.flow, r.state = p.bytes(), p.bytes(), p.bytes()
		n := p.uvarint()
		if p.err != nil {
			break
		}
		if off+n > uint64(hdr) {
			return fmt.Errorf("%w: body past the header", errSegment)
		}
		r.off, r.n = uint32(off), uint32(n)
		off += n
		if err := fn(&r); err != nil {
			return err
		}
	}
	return p.err
}

// segParser reads a header; its first error sticks.
type segParser struct {
	b   []byte
	err error
}

func (p *segParser) uvarint() uint64 {
	if p.err != nil {
		return 0
	}
	v, n := binary.Uvarint(p.b)
	if n <= 0 {
		p.err = errSegment
		return 0
	}
	p.b = p.b[n:]
	return v
}

func (p *segParser) u64() uint64 {
	if p.err != nil || len(p.b) < 8 {
		p.err = errSegment
		return 0
	}
	v := binary.BigEndian.Uint64(p.b)
	p.b = p.b[8:]
	return v
}

func (p *segParser) bytes() []byte {
	n := p.uvarint()
	if p.err != nil || n > uint64(len(p.b)) {
		p.err = errSegment
		return nil
	}
	s := p.b[:n:n]
	p.b = p.b[n:]
	return s
}

// Each segment is a bucket of its own under bucketSegments, holding the
// segment under keySegment. As a plain value, a segment would share its
// leaf with up to three others (bbolt splits no leaf of four keys or
// fewer), and each commit would rewrite them all.
var keySegment = []byte("v")

func putSegment(segs *bolt.Bucket, seg uint64, v []byte) error {
	sb, err := segs.CreateBucket(seqKey(seg))
	if err != nil {
		return err
	}
	return sb.Put(keySegment, v)
}

// getSegment is segment seg, nil if there is none.
func getSegment(segs *bolt.Bucket, seg uint64) []byte {
	if sb := segs.Bucket(seqKey(seg)); sb != nil {
		return sb.Get(keySegment)
	}
	return nil
}
