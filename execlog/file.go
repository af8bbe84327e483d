package execlog

import (
	"io"
	"sync"
)

// FileSink writes log events as JSON lines to a file or stdout, whatever the log group. A
// step's events are written in one call, so that concurrent executions' lines do not mix.
type FileSink struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

// NewFileSink returns a sink writing JSON lines to w.
func NewFileSink(w io.Writer) *FileSink { return &FileSink{w: w} }

func (s *FileSink) Write(_ string, events [][]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = s.buf[:0]
	for _, e := range events {
		s.buf = append(s.buf, e...)
		s.buf = append(s.buf, '\n')
	}
	_, err := s.w.Write(s.buf)
	return err
}
