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
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketSessions = []byte("sessions") // token -> session JSON
	// bucketOrder keeps sessions in creation order, like Memory's list:
	// sequence (8 bytes) + createdAt (8 bytes, ns) + token -> nil, all big
	// endian. The sequence, not CreatedAt, orders them: the emulator's clock
	// can be set back, and capacity eviction must still drop the sessions
	// created first (never the one just created).
	bucketOrder = []byte("order")
	bucketMeta  = []byte("meta")
	keyFormat   = []byte("format")
)

// boltFormat is the layout version written to the meta bucket. A file
// without it (the first layout ordered by createdAt + token) has its order
// bucket rebuilt on open.
const boltFormat = "2"

// Offsets in an order key.
const (
	orderSeq   = 0
	orderTime  = 8
	orderToken = 16
)

// Bolt is a Store kept in a bbolt file, so sessions survive restarts. Writes
// skip fsync: a killed process loses nothing (the kernel holds the pages),
// a power cut may lose the last writes, which is fine for an emulator.
type Bolt struct {
	db    *bolt.DB
	max   int
	codec Codec
	mu    sync.Mutex // serialises count bookkeeping with writes
	n     int
}

// openBolt opens (or creates) the store in dir, keeping at most max
// sessions (0 = no limit). codec makes each flow's Data when a session is
// read back. OpenBolt checks the file first (bolt_check.go).
func openBolt(dir string, max int, codec Codec) (*Bolt, error) {
	if codec == nil {
		return nil, errors.New("store: OpenBolt needs a Codec")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	path := filepath.Join(dir, "sessions.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoSync: true, NoFreelistSync: true})
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
	b := &Bolt{db: db, max: max, codec: codec}
	err = db.Update(func(tx *bolt.Tx) error {
		s, err := tx.CreateBucketIfNotExists(bucketSessions)
		if err != nil {
			return err
		}
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if string(meta.Get(keyFormat)) != boltFormat {
			if err := rebuildOrder(tx); err != nil {
				return err
			}
			if err := meta.Put(keyFormat, []byte(boltFormat)); err != nil {
				return err
			}
		}
		b.n = s.Stats().KeyN
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	return b, nil
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

// Create implements Store.
func (b *Bolt) Create(s *Session) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	evicted := 0
	err = b.db.Update(func(tx *bolt.Tx) error {
		sb, ob := tx.Bucket(bucketSessions), tx.Bucket(bucketOrder)
		if sb.Get([]byte(s.Token)) != nil {
			return ErrExists
		}
		if err := sb.Put([]byte(s.Token), data); err != nil {
			return err
		}
		seq, err := ob.NextSequence()
		if err != nil {
			return err
		}
		if err := ob.Put(orderKey(seq, s.CreatedAt, s.Token), nil); err != nil {
			return err
		}
		if b.max > 0 {
			over := b.n + 1 - b.max
			c := ob.Cursor()
			for k, _ := c.First(); k != nil && evicted < over; k, _ = c.First() {
				if err := sb.Delete(k[orderToken:]); err != nil {
					return err
				}
				if err := c.Delete(); err != nil {
					return err
				}
				evicted++
			}
		}
		return nil
	})
	if err == nil {
		b.n += 1 - evicted
	}
	return err
}

// Get implements Store.
func (b *Bolt) Get(token string) (*Session, error) {
	var s *Session
	err := b.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketSessions).Get([]byte(token))
		if data == nil {
			return ErrNotFound
		}
		var err error
		s, err = b.decode(data)
		return err
	})
	return s, err
}

// Update implements Store.
func (b *Bolt) Update(token string, fn func(*Session) error) (*Session, error) {
	var out *Session
	err := b.db.Update(func(tx *bolt.Tx) error {
		sb := tx.Bucket(bucketSessions)
		data := sb.Get([]byte(token))
		if data == nil {
			return ErrNotFound
		}
		s, err := b.decode(data)
		if err != nil {
			return err
		}
		if err := fn(s); err != nil {
			return err
		}
		enc, err := json.Marshal(s)
		if err != nil {
			return err
		}
		out = s
		return sb.Put([]byte(token), enc)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// List implements Store.
func (b *Bolt) List(f Filter) []*Session {
	var out []*Session
	_ = b.db.View(func(tx *bolt.Tx) error {
		sb := tx.Bucket(bucketSessions)
		return tx.Bucket(bucketOrder).ForEach(func(k, _ []byte) error {
			data := sb.Get(k[orderToken:])
			if data == nil {
				return nil
			}
			s, err := b.decode(data)
			if err == nil && f.Match(s) {
				out = append(out, s)
			}
			return nil
		})
	})
	return out
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
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	err := b.db.Update(func(tx *bolt.Tx) error {
		sb, ob := tx.Bucket(bucketSessions), tx.Bucket(bucketOrder)
		var doomed [][]byte
		c := ob.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			var s *Session
			if decodeSessions {
				s = &Session{}
				if data := sb.Get(k[orderToken:]); data != nil {
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
			if sb.Get(k[orderToken:]) != nil {
				if err := sb.Delete(k[orderToken:]); err != nil {
					return err
				}
				n++
			}
			if err := ob.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0
	}
	b.n -= n
	return n
}

// Len implements Store.
func (b *Bolt) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// Close implements Store.
func (b *Bolt) Close() error {
	if err := b.db.Close(); err != nil && !errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return err
	}
	return nil
}
