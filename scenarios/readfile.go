package scenarios

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// MaxFileBytes bounds a scenario file. The whole shipped library is under
// 32 KiB; a file a thousand times that is a mistake (a log, an image, a
// device), not scenarios.
const MaxFileBytes = 4 << 20

// errNotRegular and errTooLarge are the reasons readScenarioFile refuses a
// file.
var (
	errNotRegular = errors.New("not a regular file")
	errTooLarge   = fmt.Errorf("larger than %d MiB", MaxFileBytes>>20)
)

// readScenarioFile reads a scenario file after checking, on the opened
// file, that it is a regular file of at most MaxFileBytes. A FIFO, a socket
// or a device (/dev/zero) would otherwise block or never end: it is opened
// non-blocking, so even a FIFO with no writer returns at once, and refused.
func readScenarioFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w (%s)", errNotRegular, fileKind(st.Mode()))
	}
	if st.Size() > MaxFileBytes {
		return nil, errTooLarge
	}
	// The size can change after Stat: read one byte more than the bound to
	// notice a file that grew.
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileBytes {
		return nil, errTooLarge
	}
	return data, nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}
