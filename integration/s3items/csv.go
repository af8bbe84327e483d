package s3items

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// csvConfig is how a CSV object is read.
type csvConfig struct {
	delim rune
	// headers are the given headers (CSVHeaderLocation GIVEN); nil: the first row holds them.
	headers []string
}

// maxHeaderBytes is AWS's bound on a CSV header row (10 KiB).
const maxHeaderBytes = 10 * 1024

func csvOptions(cfg readerConfig) (csvConfig, error) {
	c := csvConfig{delim: ','}
	switch strings.ToUpper(cfg.CSVDelimiter) {
	case "", "COMMA":
	case "PIPE":
		c.delim = '|'
	case "SEMICOLON":
		c.delim = ';'
	case "SPACE":
		c.delim = ' '
	case "TAB":
		c.delim = '\t'
	default:
		return c, fmt.Errorf("the CSVDelimiter %s is not one of COMMA, PIPE, SEMICOLON, SPACE, TAB", cfg.CSVDelimiter)
	}
	switch strings.ToUpper(cfg.CSVHeaderLocation) {
	case "", "FIRST_ROW":
	case "GIVEN":
		var hs []any
		if err := json.Unmarshal(cfg.CSVHeaders, &hs); err != nil || len(hs) == 0 {
			return c, errors.New("CSVHeaders must be a non-empty array of strings when CSVHeaderLocation is GIVEN")
		}
		for _, h := range hs {
			s, ok := h.(string)
			if !ok {
				return c, errors.New("CSVHeaders must be a non-empty array of strings when CSVHeaderLocation is GIVEN")
			}
			c.headers = append(c.headers, s)
		}
	default:
		return c, fmt.Errorf("the CSVHeaderLocation %s is not FIRST_ROW or GIVEN", cfg.CSVHeaderLocation)
	}
	return c, nil
}

// checkHeaders applies AWS's rules to a header row: no duplicates, at most 10 KiB.
func checkHeaders(hs []string) error {
	seen := make(map[string]bool, len(hs))
	size := 0
	for _, h := range hs {
		if seen[h] {
			return errors.New("CSV headers cannot contain duplicates.")
		}
		seen[h] = true
		size += len(h) + 1
	}
	if size-1 > maxHeaderBytes {
		return fmt.Errorf("the CSV header row holds %d bytes, more than the %d AWS reads", size-1, maxHeaderBytes)
	}
	return nil
}

// readCSV turns each row into an object of strings keyed by the headers. Fields beyond the
// headers are dropped and missing ones are empty strings; blank lines are skipped.
func readCSV(r io.Reader, c csvConfig, out *sink) error {
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.Comma = c.delim
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	headers := c.headers
	if headers != nil {
		if err := checkHeaders(headers); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var ge *getError
			if errors.As(err, &ge) {
				return ge
			}
			return fmt.Errorf("the CSV object is not valid CSV: %v", err)
		}
		if headers == nil {
			headers = append([]string(nil), rec...)
			if err := checkHeaders(headers); err != nil {
				return err
			}
			continue
		}
		buf.Reset()
		buf.WriteByte('{')
		for i, h := range headers {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(&buf, h)
			buf.WriteByte(':')
			v := ""
			if i < len(rec) {
				v = rec[i]
			}
			writeString(&buf, v)
		}
		buf.WriteByte('}')
		if err := out.add(bytes.Clone(buf.Bytes())); err != nil {
			return err
		}
	}
}

func writeString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s)
	b.Write(enc)
}

// lineReader splits a stream into lines of at most maxLine bytes.
type lineReader struct {
	br  *bufio.Reader
	buf []byte
}

func newLineReader(r io.Reader) *lineReader { return &lineReader{br: bufio.NewReaderSize(r, 64<<10)} }

func (l *lineReader) next() ([]byte, error) {
	l.buf = l.buf[:0]
	for {
		frag, err := l.br.ReadSlice('\n')
		l.buf = append(l.buf, frag...)
		if len(l.buf) > maxLine {
			return nil, fmt.Errorf("a line is longer than %d bytes", maxLine)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			if len(l.buf) == 0 {
				return nil, io.EOF
			}
			return bytes.TrimRight(l.buf, "\r"), nil
		}
		if err != nil {
			return nil, err
		}
		return bytes.TrimRight(l.buf[:len(l.buf)-1], "\r"), nil
	}
}
