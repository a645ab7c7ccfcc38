package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketSessions = []byte("sessions") // token -> session JSON
	bucketOrder    = []byte("order")    // createdAt (8 bytes, big endian ns) + token -> nil
)

// Bolt is a Store kept in a bbolt file, so sessions survive restarts. Writes
// skip fsync: a killed process loses nothing (the kernel holds the pages),
// a power cut may lose the last writes, which is fine for an emulator.
type Bolt struct {
	db  *bolt.DB
	max int
	mu  sync.Mutex // serialises count bookkeeping with writes
	n   int
}

// OpenBolt opens (or creates) the store in dir, keeping at most max
// sessions (0 = no limit).
func OpenBolt(dir string, max int) (*Bolt, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	path := filepath.Join(dir, "sessions.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoSync: true, NoFreelistSync: true})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	b := &Bolt{db: db, max: max}
	err = db.Update(func(tx *bolt.Tx) error {
		s, err := tx.CreateBucketIfNotExists(bucketSessions)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bucketOrder); err != nil {
			return err
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

func orderKey(s *Session) []byte {
	k := make([]byte, 8+len(s.BizToken))
	binary.BigEndian.PutUint64(k, uint64(s.CreatedAt.UnixNano()))
	copy(k[8:], s.BizToken)
	return k
}

func decode(data []byte) (*Session, error) {
	var s Session
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("store: corrupt session: %w", err)
	}
	return &s, nil
}

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
		if sb.Get([]byte(s.BizToken)) != nil {
			return ErrExists
		}
		if err := sb.Put([]byte(s.BizToken), data); err != nil {
			return err
		}
		if err := ob.Put(orderKey(s), nil); err != nil {
			return err
		}
		if b.max > 0 {
			over := b.n + 1 - b.max
			c := ob.Cursor()
			for k, _ := c.First(); k != nil && evicted < over; k, _ = c.First() {
				if err := sb.Delete(k[8:]); err != nil {
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
		s, err = decode(data)
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
		s, err := decode(data)
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
			data := sb.Get(k[8:])
			if data == nil {
				return nil
			}
			s, err := decode(data)
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
	return b.deleteWhere(func(k []byte, s *Session) (bool, bool) { return f.Match(s), true })
}

// EvictBefore implements Store.
func (b *Bolt) EvictBefore(t time.Time) int {
	limit := make([]byte, 8)
	binary.BigEndian.PutUint64(limit, uint64(t.UnixNano()))
	return b.deleteWhere(func(k []byte, _ *Session) (bool, bool) {
		old := bytes.Compare(k[:8], limit) < 0
		return old, old
	})
}

// deleteWhere walks sessions in creation order; pick says whether to delete
// and whether to go on.
func (b *Bolt) deleteWhere(pick func(k []byte, s *Session) (del, more bool)) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	err := b.db.Update(func(tx *bolt.Tx) error {
		sb, ob := tx.Bucket(bucketSessions), tx.Bucket(bucketOrder)
		var doomed [][]byte
		c := ob.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			data := sb.Get(k[8:])
			var s *Session
			if data != nil {
				var err error
				if s, err = decode(data); err != nil {
					s = &Session{}
				}
			} else {
				s = &Session{}
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
			if err := sb.Delete(k[8:]); err != nil {
				return err
			}
			if err := ob.Delete(k); err != nil {
				return err
			}
			n++
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
