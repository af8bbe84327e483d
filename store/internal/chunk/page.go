package chunk

import "github.com/stepwise-run/stepwise/history"

// A Page collects a page of history from the rows a store reads in order: the events after
// a bound (before it when reverse, newest first), up to a limit.
type Page struct {
	bound   int64
	limit   int
	reverse bool
	evs     []history.Event
	lines   []int
	err     error
}

// NewPage starts a page of up to limit events (all when limit <= 0) after bound, or before
// it when reverse.
func NewPage(bound int64, limit int, reverse bool) *Page {
	p := &Page{bound: bound, limit: limit, reverse: reverse}
	if limit > 0 {
		p.evs = make([]history.Event, 0, min(limit, 1000))
	}
	return p
}

// Add decodes the events of a row (events first to last, its body as stored) that belong
// to the page. It returns false once the page is full: later rows need not be read. body
// need not outlive the call.
func (p *Page) Add(first, last int64, body []byte) (bool, error) {
	more, err := Each(first, last, body, p.reverse, &p.lines, p.keep)
	if err != nil {
		return false, err
	}
	if p.err != nil {
		return false, p.err
	}
	return more, nil
}

func (p *Page) keep(id int64, body []byte) bool {
	if p.reverse && id >= p.bound || !p.reverse && id <= p.bound {
		return true
	}
	var e history.Event
	if p.err = e.UnmarshalJSON(body); p.err != nil {
		return false
	}
	p.evs = append(p.evs, e)
	return p.limit <= 0 || len(p.evs) < p.limit
}

// Events are the page's events so far.
func (p *Page) Events() []history.Event { return p.evs }
