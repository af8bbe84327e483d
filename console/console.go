package console

import (
	"embed"
	"encoding/json"
	"errors"
	"github.com/stepwise-run/stepwise/api/throttle"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/stepwise-run/stepwise/iam"
	"github.com/stepwise-run/stepwise/store"
)

//go:embed static
var staticFiles embed.FS

// Options configures the console.
type Options struct {
	// Store answers what the Step Functions API cannot (the children of an execution).
	Store  store.Store
	Logger *slog.Logger
	// Guard, when set (serve --enforce-iam), makes the console sign in with an access key:
	// its API calls are then signed with that key (see API) and its own endpoints show only
	// the executions that key may describe.
	Guard Guard
	// Schedules, when set, is where the schedules page reads EventBridge Scheduler schedules.
	Schedules store.Schedules
	// ExpressLogs, when set, is where the state machine page reads the kept log events of
	// Express executions.
	ExpressLogs store.ExpressLogs
}

// Console serves the single-page application at / and /assets/..., and its endpoints under
// /console/api/.
type Console struct {
	opts     Options
	mux      *http.ServeMux
	sessions sessions
	signIns  *throttle.Keyed
}

// Handler returns the console. Mount it for GET / and POST /console/api/ (sign-in), and
// wrap the Step Functions API with its API method.
func Handler(opts Options) http.Handler { return New(opts) }

// New makes the console.
func New(opts Options) *Console {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	c := &Console{opts: opts, mux: http.NewServeMux(), signIns: throttle.NewKeyed(throttle.Bucket{Size: 10, Refill: 1.0 / 6}, nil)}
	assets := http.FileServerFS(sub)
	c.mux.HandleFunc("GET /assets/{file...}", func(w http.ResponseWriter, r *http.Request) {
		if _, err := fs.Stat(sub, r.PathValue("file")); err != nil || r.PathValue("file") == "" {
			notFound(w, r)
			return
		}
		http.StripPrefix("/assets", noCache(assets)).ServeHTTP(w, r)
	})
	c.mux.HandleFunc("/", notFound)
	c.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, sub, "index.html")
	})
	c.mux.HandleFunc("GET /console/api/children", c.children)
	c.mux.HandleFunc("GET /console/api/chain", c.chain)
	c.mux.HandleFunc("GET /console/api/session", c.sessionState)
	c.mux.HandleFunc("GET /console/api/schedules", c.schedules)
	c.mux.HandleFunc("GET /console/api/express-executions", c.expressExecutions)
	c.mux.HandleFunc("GET /console/api/express-logs", c.expressLogs)
	c.mux.HandleFunc("POST /console/api/signin", c.signIn)
	c.mux.HandleFunc("POST /console/api/signout", c.signOut)
	return c
}

func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w.Header())
	c.mux.ServeHTTP(w, r)
}

// notFound answers a path the console does not serve as the API answers: in JSON.
func notFound(w http.ResponseWriter, r *http.Request) {
	writeJSONError(w, http.StatusNotFound, "NotFoundException", "Nothing is served at "+r.URL.Path)
}

// secureHeaders keeps the console's pages to their own scripts and styles, out of other
// sites' frames, and its files read as the types they are sent as.
func secureHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// noCache makes the browser revalidate assets: they change with the binary, and the
// embedded files carry no modification time to version them by.
func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

type childItem struct {
	ExecutionArn    string `json:"executionArn"`
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Status          string `json:"status"`
	StartDate       epoch  `json:"startDate"`
	StopDate        *epoch `json:"stopDate,omitempty"`
}

func item(ex *store.Execution) childItem {
	it := childItem{ExecutionArn: ex.Arn, StateMachineArn: ex.StateMachineArn, Name: ex.Name,
		Status: ex.Status, StartDate: epoch(ex.StartedAt)}
	if ex.StoppedAt != nil {
		e := epoch(*ex.StoppedAt)
		it.StopDate = &e
	}
	return it
}

type childrenPage struct {
	Executions []childItem `json:"executions"`
	NextToken  string      `json:"nextToken,omitempty"`
}

// children lists the executions an execution started (those whose
// AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID named it), newest first, in ListExecutions'
// shape: GET /console/api/children?executionArn=ARN[&maxResults=N][&nextToken=T]. Under
// --enforce-iam it needs states:DescribeExecution on the parent and lists only the children
// the caller may describe.
func (c *Console) children(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	arn := q.Get("executionArn")
	if arn == "" {
		writeJSONError(w, http.StatusBadRequest, "ValidationException", "executionArn is required")
		return
	}
	limit := 100
	if s := q.Get("maxResults"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			writeJSONError(w, http.StatusBadRequest, "ValidationException", "maxResults must be between 1 and 1000")
			return
		}
		limit = n
	}
	p, err := c.principal(r)
	if err != nil {
		writeGuardError(w, err)
		return
	}
	if err := c.mayDescribe(p, arn); err != nil {
		writeGuardError(w, err)
		return
	}
	exs, next, err := c.opts.Store.ListExecutions(r.Context(), store.ExecutionFilter{ParentArn: arn},
		store.Page{Token: q.Get("nextToken"), Limit: limit})
	if errors.Is(err, store.ErrInvalidToken) {
		writeJSONError(w, http.StatusBadRequest, "InvalidToken", "Invalid Token: 'Invalid token'")
		return
	}
	if err != nil {
		c.opts.Logger.Error("console: list children", "execution", arn, "err", err)
		writeJSONError(w, http.StatusInternalServerError, "InternalFailure", "An internal error occurred")
		return
	}
	page := childrenPage{Executions: make([]childItem, 0, len(exs)), NextToken: next}
	for _, ex := range exs {
		if c.mayDescribe(p, ex.Arn) == nil {
			page.Executions = append(page.Executions, item(ex))
		}
	}
	writeJSON(w, page)
}

// mayDescribe reports whether p may see an execution (always, without a Guard).
func (c *Console) mayDescribe(p *iam.Principal, arn string) error {
	if c.opts.Guard == nil {
		return nil
	}
	return c.opts.Guard.Authorize(p, "states:DescribeExecution", arn)
}

func writeJSONError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

// epoch renders a time as the Step Functions API does (epoch seconds with milliseconds), so
// that the browser handles both sources alike.
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', 3, 64), nil
}
