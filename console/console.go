package console

import (
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

//go:embed static
var staticFiles embed.FS

// Options configures the console handler.
type Options struct {
	// Store answers what the Step Functions API cannot (the children of an execution).
	Store  store.Store
	Logger *slog.Logger
}

// Handler returns the console: the single-page application at / and /assets/..., and the
// JSON endpoints under /console/api/. It answers GET and HEAD only.
func Handler(opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	mux := http.NewServeMux()
	assets := http.FileServerFS(sub)
	mux.Handle("GET /assets/", http.StripPrefix("/assets", noCache(assets)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, sub, "index.html")
	})
	mux.HandleFunc("GET /console/api/children", (&childrenHandler{st: opts.Store, log: opts.Logger}).ServeHTTP)
	return mux
}

// noCache makes the browser revalidate assets: they change with the binary, and the
// embedded files carry no modification time to version them by.
func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

// childrenHandler lists the executions an execution started (those whose
// AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID named it), newest first, in ListExecutions'
// shape: GET /console/api/children?executionArn=ARN[&maxResults=N][&nextToken=T].
type childrenHandler struct {
	st  store.Store
	log *slog.Logger
}

type childItem struct {
	ExecutionArn    string `json:"executionArn"`
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Status          string `json:"status"`
	StartDate       epoch  `json:"startDate"`
	StopDate        *epoch `json:"stopDate,omitempty"`
}

type childrenPage struct {
	Executions []childItem `json:"executions"`
	NextToken  string      `json:"nextToken,omitempty"`
}

func (h *childrenHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	exs, next, err := h.st.ListExecutions(r.Context(), store.ExecutionFilter{ParentArn: arn},
		store.Page{Token: q.Get("nextToken"), Limit: limit})
	if errors.Is(err, store.ErrInvalidToken) {
		writeJSONError(w, http.StatusBadRequest, "InvalidToken", "Invalid Token: 'Invalid token'")
		return
	}
	if err != nil {
		h.log.Error("console: list children", "execution", arn, "err", err)
		writeJSONError(w, http.StatusInternalServerError, "InternalFailure", "An internal error occurred")
		return
	}
	page := childrenPage{Executions: make([]childItem, 0, len(exs)), NextToken: next}
	for _, ex := range exs {
		it := childItem{ExecutionArn: ex.Arn, StateMachineArn: ex.StateMachineArn, Name: ex.Name,
			Status: ex.Status, StartDate: epoch(ex.StartedAt)}
		if ex.StoppedAt != nil {
			e := epoch(*ex.StoppedAt)
			it.StopDate = &e
		}
		page.Executions = append(page.Executions, it)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(page)
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
