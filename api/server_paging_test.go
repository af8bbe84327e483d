package api

import (
	"strings"
	"testing"
)

// Every listing refuses a nextToken longer than its shape allows (1024 characters, 3096 for
// ListExecutions), and names each fault of maxResults and nextToken, as AWS does.
func TestPagingLimits(t *testing.T) {
	for _, c := range []struct {
		p        paging
		maxToken int
		want     string
	}{
		{paging{NextToken: strings.Repeat("x", 1024)}, maxPageToken, ""},
		{paging{NextToken: strings.Repeat("x", 1025)}, maxPageToken, "1 validation error detected: Value '" + strings.Repeat("x", 1025) + "' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 1024"},
		{paging{NextToken: strings.Repeat("x", 3096)}, maxListExecutionsToken, ""},
		{paging{NextToken: strings.Repeat("x", 3097)}, maxListExecutionsToken, "1 validation error detected: Value '" + strings.Repeat("x", 3097) + "' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 3096"},
		{paging{MaxResults: 1001}, maxPageToken, "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{paging{MaxResults: -1, NextToken: strings.Repeat("x", 1025)}, maxPageToken, "2 validation errors detected: Value '-1' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0; Value '" + strings.Repeat("x", 1025) + "' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 1024"},
	} {
		pg, err := c.p.pageUpTo(c.maxToken)
		got := ""
		if err != nil {
			got = err.(*Error).Message
		}
		if got != c.want {
			t.Errorf("maxResults %d, token of %d: got %q, want %q", c.p.MaxResults, len(c.p.NextToken), got, c.want)
		}
		if err == nil && pg.Limit != 100 {
			t.Errorf("maxResults 0 gives a page of %d, not 100", pg.Limit)
		}
	}
}
