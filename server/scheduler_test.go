package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestDefaultScheduleGroupBeforeRun: the default schedule group exists as soon as New
// returns, before the scheduler's loop runs, so a schedule created right after startup finds
// it (it used to be created by RunScheduler, and such a CreateSchedule raced it: 404).
func TestDefaultScheduleGroupBeforeRun(t *testing.T) {
	s, err := New(context.Background(), Config{Store: "sqlite:" + filepath.Join(t.TempDir(), "db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	req := httptest.NewRequest("GET", "/schedule-groups/default", nil)
	w := httptest.NewRecorder()
	s.Handler.ServeHTTP(w, req)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"Name":"default"`) {
		t.Fatalf("GetScheduleGroup default before the scheduler runs: %d %s", w.Code, w.Body.String())
	}
}
