package console

import (
	"errors"
	"net/http"
	"slices"

	"github.com/stepwise-run/stepwise/iam"
	"github.com/stepwise-run/stepwise/store"
)

// The chain endpoint's bounds: a continue-as-new chain may be thousands of links long, so
// only the root and the nearest ancestors are returned, and the descendants' tree is cut
// after a few hundred executions (the console links to where it was cut, to walk on).
const (
	chainMaxUp       = 100_000
	chainNearest     = 50
	chainMaxDown     = 200
	chainMaxChildren = 50
)

type chainNode struct {
	childItem
	Children []*chainNode `json:"children"`
	// More is set when the node has children that are not listed (cut by the bounds).
	More bool `json:"more,omitempty"`
}

type chainPage struct {
	// Ancestors run from the root down to the parent; Skipped counts those left out
	// between the root and the nearest ones.
	Ancestors []childItem `json:"ancestors"`
	Skipped   int         `json:"skipped"`
	Execution *chainNode  `json:"execution"`
	// Denied is set when an ancestor could not be shown (the caller may not describe it).
	Denied bool `json:"denied,omitempty"`
}

// describable reads the executionArn a request names and checks that its caller may
// describe it; when not, it has written the error and reports false.
func (c *Console) describable(w http.ResponseWriter, r *http.Request) (string, *iam.Principal, bool) {
	arn := r.URL.Query().Get("executionArn")
	if arn == "" {
		writeJSONError(w, http.StatusBadRequest, "ValidationException", "executionArn is required")
		return "", nil, false
	}
	p, err := c.principal(r)
	if err != nil {
		writeGuardError(w, err)
		return "", nil, false
	}
	if err := c.mayDescribe(p, arn); err != nil {
		writeGuardError(w, err)
		return "", nil, false
	}
	return arn, p, true
}

// chain answers GET /console/api/chain?executionArn=ARN: the executions that started ARN,
// up to the root, and those ARN started, down (each as a tree), following the same parent
// links as /console/api/children.
func (c *Console) chain(w http.ResponseWriter, r *http.Request) {
	arn, p, ok := c.describable(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	ex, err := c.opts.Store.GetExecution(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		writeJSONError(w, http.StatusBadRequest, "ExecutionDoesNotExist", "Execution Does Not Exist: '"+arn+"'")
		return
	}
	if err != nil {
		c.internal(w, "chain", arn, err)
		return
	}
	var page chainPage
	// Up: nearest first while walking, reversed at the end; the root is kept apart.
	var up []childItem
	var root *childItem
	seen := map[string]bool{arn: true}
	for parent, n := ex.ParentArn, 0; parent != "" && !seen[parent] && n < chainMaxUp; n++ {
		seen[parent] = true
		if c.mayDescribe(p, parent) != nil {
			page.Denied = true
			break
		}
		pe, err := c.opts.Store.GetExecution(ctx, parent)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			c.internal(w, "chain", arn, err)
			return
		}
		it := item(pe)
		if len(up) < chainNearest {
			up = append(up, it)
		} else {
			page.Skipped++
			root = &it
		}
		parent = pe.ParentArn
	}
	if root != nil {
		page.Skipped-- // the root itself is shown
		up = append(up, *root)
	}
	slices.Reverse(up)
	page.Ancestors = append([]childItem{}, up...)

	// Down: breadth first, so that a wide fan-out and a long chain are both cut evenly.
	page.Execution = &chainNode{childItem: item(ex), Children: []*chainNode{}}
	queue := []*chainNode{page.Execution}
	count := 0
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if count >= chainMaxDown {
			n.More = true // whether it has children is not known; the console offers to look
			continue
		}
		kids, next, err := c.opts.Store.ListExecutions(ctx, store.ExecutionFilter{ParentArn: n.ExecutionArn}, store.Page{Limit: chainMaxChildren})
		if err != nil {
			c.internal(w, "chain", arn, err)
			return
		}
		n.More = next != ""
		slices.Reverse(kids) // oldest first: the order they were started in
		for _, k := range kids {
			if seen[k.Arn] || c.mayDescribe(p, k.Arn) != nil {
				continue
			}
			seen[k.Arn] = true
			child := &chainNode{childItem: item(k), Children: []*chainNode{}}
			n.Children = append(n.Children, child)
			queue = append(queue, child)
			count++
		}
	}
	writeJSON(w, page)
}

func (c *Console) internal(w http.ResponseWriter, what, arn string, err error) {
	c.opts.Logger.Error("console: "+what, "execution", arn, "err", err)
	writeJSONError(w, http.StatusInternalServerError, "InternalFailure", "An internal error occurred")
}
