package console

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/stepwise-run/stepwise/store"
)

type scheduleItem struct {
	Arn        string `json:"arn"`
	Name       string `json:"name"`
	Group      string `json:"groupName"`
	Expression string `json:"scheduleExpression"`
	Timezone   string `json:"scheduleExpressionTimezone,omitempty"`
	State      string `json:"state"`
	NextFiring *epoch `json:"nextFiring,omitempty"`
	Target     string `json:"targetArn"`
}

type schedulesPage struct {
	Schedules []scheduleItem `json:"schedules"`
	NextToken string         `json:"nextToken,omitempty"`
}

// schedules lists EventBridge Scheduler schedules with what ListSchedules leaves out (the
// expression, its time zone and the next firing): GET /console/api/schedules[?nextToken=T].
// Under --enforce-iam it lists only the schedules the caller may get (scheduler:GetSchedule).
func (c *Console) schedules(w http.ResponseWriter, r *http.Request) {
	p, err := c.principal(r)
	if err != nil {
		writeGuardError(w, err)
		return
	}
	page := schedulesPage{Schedules: []scheduleItem{}}
	if c.opts.Schedules == nil {
		writeJSON(w, page)
		return
	}
	scs, next, err := c.opts.Schedules.ListSchedules(r.Context(), store.ScheduleFilter{}, store.Page{Token: r.URL.Query().Get("nextToken"), Limit: 100})
	if errors.Is(err, store.ErrInvalidToken) {
		writeJSONError(w, http.StatusBadRequest, "ValidationException", "Invalid NextToken.")
		return
	}
	if err != nil {
		c.opts.Logger.Error("console: list schedules", "err", err)
		writeJSONError(w, http.StatusInternalServerError, "InternalFailure", "An internal error occurred")
		return
	}
	page.NextToken = next
	for _, sc := range scs {
		if c.opts.Guard != nil && c.opts.Guard.Authorize(p, "scheduler:GetSchedule", sc.Arn) != nil {
			continue
		}
		var d struct {
			ScheduleExpression         string
			ScheduleExpressionTimezone string
			Target                     struct{ Arn string }
		}
		_ = json.Unmarshal([]byte(sc.Config), &d)
		it := scheduleItem{Arn: sc.Arn, Name: sc.Name, Group: sc.Group, Expression: d.ScheduleExpression,
			Timezone: d.ScheduleExpressionTimezone, State: sc.State, Target: d.Target.Arn}
		if sc.NextFire != nil {
			e := epoch(*sc.NextFire)
			it.NextFiring = &e
		}
		page.Schedules = append(page.Schedules, it)
	}
	writeJSON(w, page)
}
