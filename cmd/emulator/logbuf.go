package main

import (
	"bufio"
	"context"
	"io"
	"sync"
	"time"
)

// logFlushInterval bounds how long a log line waits in the buffer.
const logFlushInterval = 100 * time.Millisecond

// bufferedLog batches log lines: one write(2) per line under load costs
// the request log several microseconds per API call. Lines reach the
// terminal at most logFlushInterval late, and all of them on Close.
type bufferedLog struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func newBufferedLog(w io.Writer) *bufferedLog {
	return &bufferedLog{w: bufio.NewWriterSize(w, 64<<10)}
}

func (b *bufferedLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

// Flush writes out what is buffered.
func (b *bufferedLog) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Flush()
}

// run flushes periodically until ctx ends, then once more.
func (b *bufferedLog) run(ctx context.Context) {
	t := time.NewTicker(logFlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			b.Flush()
			return
		case <-t.C:
			b.Flush()
		}
	}
}
