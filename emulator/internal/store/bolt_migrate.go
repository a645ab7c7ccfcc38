package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Earlier layouts of sessions.db, converted to segments when a file is
// opened:
//
//   - the first (no format in meta): bucket "sessions" (token -> session
//     JSON) and "order" keyed by createdAt + token;
//   - format 2: "sessions" and "order" keyed by sequence + createdAt +
//     token;
//   - format 3: "data" (sequence -> session JSON) and "order".
//
// Each converts to the next, in one transaction with the open.

// Offsets in an order key.
const (
	orderSeq   = 0
	orderTime  = 8
	orderToken = 16
)

// migrate converts a file of an earlier layout (named by its format) to
// segments.
func migrate(tx *bolt.Tx, format string) error {
	if tx.Bucket(bucketSessions) != nil {
		if _, err := tx.CreateBucketIfNotExists(bucketData); err != nil {
			return err
		}
	}
	switch format {
	case "3":
	case "2":
		if err := moveToData(tx); err != nil {
			return err
		}
	default:
		if tx.Bucket(bucketSessions) == nil {
			return nil // a new file
		}
		if err := rebuildOrder(tx); err != nil {
			return err
		}
		if err := moveToData(tx); err != nil {
			return err
		}
	}
	return toSegments(tx)
}

// toSegments moves a format 3 file's sessions into segments of
// maxBatch sessions, in creation order.
func toSegments(tx *bolt.Tx) error {
	ob, db := tx.Bucket(bucketOrder), tx.Bucket(bucketData)
	if ob == nil || db == nil {
		return nil
	}
	segs := tx.Bucket(bucketSegments)
	var w segmentWriter
	seg := uint64(0)
	flush := func() error {
		if w.n == 0 {
			return nil
		}
		seg++
		err := putSegment(segs, seg, bytes.Clone(w.bytes()))
		w.reset()
		return err
	}
	err := ob.ForEach(func(k, _ []byte) error {
		if len(k) < orderToken {
			return errSegment
		}
		v := db.Get(k[orderSeq:orderTime])
		if v == nil {
			return nil
		}
		var head struct {
			Token    string `json:"token"`
			BizToken string `json:"bizToken"`
			SecretID string `json:"secretId"`
			Flow     string `json:"flow"`
			State    string `json:"state"`
		}
		_ = json.Unmarshal(v, &head)
		if head.Flow == "" {
			head.Flow = legacyFlow
		}
		w.add(string(k[orderToken:]), binary.BigEndian.Uint64(k[orderSeq:]), int64(binary.BigEndian.Uint64(k[orderTime:])),
			classKey{head.SecretID, head.Flow, head.State}, v)
		if w.n == maxBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	meta := tx.Bucket(bucketMeta)
	if err := meta.Put(keyNextSeq, seqKey(ob.Sequence()+1)); err != nil {
		return err
	}
	if err := tx.DeleteBucket(bucketData); err != nil {
		return err
	}
	return tx.DeleteBucket(bucketOrder)
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
