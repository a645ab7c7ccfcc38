package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/faceid-emulator/faceid-emulator/internal/regfile"
)

// A corrupt or foreign sessions.db must not crash the emulator: bbolt
// trusts its file, and panics ("assertion failed: Page expected to be ...")
// or faults on a page past the end of a truncated file while it walks it.
// OpenBolt therefore checks the file before handing it to bbolt (regular
// file, a valid meta page, no shorter than the pages it claims, no buckets
// of another program), and turns any panic or fault bbolt still raises while
// opening into one error naming the file and what to do.

// ErrUnusableFile marks a data file that is corrupt, truncated or not the
// emulator's.
var ErrUnusableFile = errors.New("not a usable session store")

// OpenBolt opens (or creates) the store in dir, keeping at most max
// sessions (0 = no limit); codec makes each flow's Data when a session is
// read back. A sessions.db that is not a sound session store
// is an error wrapping ErrUnusableFile, never a panic.
func OpenBolt(dir string, max int, codec Codec) (b *Bolt, err error) {
	path := filepath.Join(dir, "sessions.db")
	if err := checkDataFile(path); err != nil {
		return nil, err
	}
	// Turn a fault on a page past the end of the mapping into a panic the
	// deferred recover sees, instead of a fatal error.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			b, err = nil, unusable(path, fmt.Sprint(p))
		}
	}()
	return openBolt(dir, max, codec)
}

// unusable is the one-line error for a bad data file.
func unusable(path, why string) error {
	return fmt.Errorf("store: %s is %w (%s): move it away or delete it to start with no sessions, or set EMULATOR_DATA_DIR to another directory",
		path, ErrUnusableFile, why)
}

// bbolt's file layout: two meta pages at the start, each a 16-byte page
// header then the meta fields (little-endian on the platforms the emulator
// ships for).
const (
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	pageHeaderSize  = 16
	metaChecksummed = 56 // bytes of the meta covered by its checksum
	metaSize        = metaChecksummed + 8
)

type boltMeta struct {
	pageSize uint32
	highPage uint64 // pages in use (the high-water mark)
	txid     uint64
}

// parseMeta reads the meta at the start of page; ok is false when it is
// not a valid bbolt meta.
func parseMeta(page []byte) (boltMeta, bool) {
	if len(page) < pageHeaderSize+metaSize {
		return boltMeta{}, false
	}
	m := page[pageHeaderSize : pageHeaderSize+metaSize]
	le := binary.LittleEndian
	h := fnv.New64a()
	h.Write(m[:metaChecksummed])
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion || le.Uint64(m[56:]) != h.Sum64() {
		return boltMeta{}, false
	}
	return boltMeta{pageSize: le.Uint32(m[8:]), highPage: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, true
}

// checkDataFile refuses an existing data file that bbolt would choke on.
// A missing or empty file is fine (bbolt creates it).
func checkDataFile(path string) error {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if !st.Mode().IsRegular() {
		return unusable(path, "it is "+regfile.Kind(st.Mode())+", not a regular file")
	}
	if st.Size() == 0 {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	// Meta 0 is at offset 0; meta 1 one page further, and the page size is
	// in meta 0 or, when meta 0 is damaged, one of bbolt's possible sizes.
	head := make([]byte, pageHeaderSize+metaSize)
	var best boltMeta
	found := false
	consider := func(off int64) {
		if _, err := f.ReadAt(head, off); err != nil && !errors.Is(err, io.EOF) {
			return
		}
		if m, ok := parseMeta(head); ok && (!found || m.txid > best.txid) {
			best, found = m, true
		}
	}
	consider(0)
	if found {
		consider(int64(best.pageSize))
	} else {
		for size := int64(1024); size <= 64<<10 && size < st.Size(); size <<= 1 {
			consider(size)
		}
	}
	if !found {
		return unusable(path, "no valid bbolt header: not a session store, or its start is damaged")
	}
	if need := int64(best.highPage) * int64(best.pageSize); st.Size() < need {
		return unusable(path, fmt.Sprintf("truncated: %d bytes of the %d it needs", st.Size(), need))
	}
	return checkBuckets(path)
}

// checkBuckets refuses a bbolt file holding buckets that are not the
// emulator's (another program's database), so the emulator never writes
// into it. The file is opened read-only; a panic while listing becomes an
// error.
func checkBuckets(path string) (err error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return unusable(path, err.Error())
	}
	defer db.Close()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = unusable(path, fmt.Sprint(p))
		}
	}()
	return db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			switch string(name) {
			case string(bucketSessions), string(bucketOrder), string(bucketMeta), string(bucketData), string(bucketSegments), string(bucketGone):
				return nil
			}
			return unusable(path, fmt.Sprintf("it holds a bucket %q: another program's database", name))
		})
	})
}
