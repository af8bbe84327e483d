package execlog

import (
	"io"
	"sync"
)

// FileSink writes log events as JSON lines to a file or stdout, whatever the log group. A
// step's events are written in one call, so that concurrent executions' lines do not mix.
type FileSink struct {
	mu sync.Mutex
	w  io.Writer
}

// NewFileSink returns a sink writing JSON lines to w.
func NewFileSink(w io.Writer) *FileSink { return &FileSink{w: w} }

func (s *FileSink) Write(_ string, lines []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.w.Write(lines)
	return err
}
