package execlog

import (
	"io"
	"sync"
	"time"
)

// FileSink writes log events as JSON lines to a file or stdout, whatever the log group. A
// step's events are written in one piece, so that concurrent executions' lines do not mix.
//
// A sink made with a delay (NewBufferedFileSink) gathers the steps of that long and writes
// them in one call: a step a write before, the syscall was the larger part of the log's cost
// to a chain of Pass states (0.16 s of 0.29 s in a profile of 16,000 executions). A process
// killed without Close loses at most the delay's lines, which a crash between a commit and its
// write could lose before too.
type FileSink struct {
	mu    sync.Mutex
	w     io.Writer
	delay time.Duration
	buf   []byte
	timer *time.Timer // the pending flush; nil when buf is empty
	err   error       // the timer's flush failed: the next Write returns it
}

// flushAt is how much a buffered sink holds before it writes without waiting for its delay.
const flushAt = 64 << 10

// NewFileSink returns a sink writing each step's lines to w at once.
func NewFileSink(w io.Writer) *FileSink { return &FileSink{w: w} }

// NewBufferedFileSink returns a sink writing to w the lines gathered over delay (or 64 KiB);
// Close writes what is left.
func NewBufferedFileSink(w io.Writer, delay time.Duration) *FileSink {
	return &FileSink{w: w, delay: delay}
}

func (s *FileSink) Write(_ string, lines []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.delay <= 0 {
		_, err := s.w.Write(lines)
		return err
	}
	s.buf = append(s.buf, lines...)
	err := s.err
	s.err = nil
	if len(s.buf) >= flushAt {
		return s.flushLocked()
	}
	if s.timer == nil {
		s.timer = time.AfterFunc(s.delay, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if err := s.flushLocked(); err != nil {
				s.err = err
			}
		})
	}
	return err
}

// Flush writes the lines gathered so far.
func (s *FileSink) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked()
}

// Close writes the lines gathered so far; w stays open.
func (s *FileSink) Close() error { return s.Flush() }

func (s *FileSink) flushLocked() error {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if len(s.buf) == 0 {
		return nil
	}
	_, err := s.w.Write(s.buf)
	if cap(s.buf) > 4*flushAt {
		s.buf = nil // a huge step's buffer is left to the collector
	} else {
		s.buf = s.buf[:0]
	}
	return err
}
