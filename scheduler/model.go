package scheduler

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Definition is a schedule as CreateSchedule takes it and GetSchedule returns it (less the
// ARN, name, group and dates the store keeps as columns). It is stored as JSON.
type Definition struct {
	ActionAfterCompletion      string              `json:"ActionAfterCompletion,omitempty"`
	Description                *string             `json:"Description,omitempty"`
	EndDate                    *Time               `json:"EndDate,omitempty"`
	FlexibleTimeWindow         *FlexibleTimeWindow `json:"FlexibleTimeWindow,omitempty"`
	KmsKeyArn                  *string             `json:"KmsKeyArn,omitempty"`
	ScheduleExpression         string              `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string              `json:"ScheduleExpressionTimezone,omitempty"`
	StartDate                  *Time               `json:"StartDate,omitempty"`
	State                      string              `json:"State,omitempty"`
	Target                     *Target             `json:"Target,omitempty"`
	// Anchor is where a rate() expression counts from when there is no StartDate: when the
	// schedule was created or last updated (Stepwise's own, not returned by the API).
	Anchor *Time `json:"StepwiseAnchor,omitempty"`
	// ClientToken is the token of the CreateSchedule call that made the schedule: the same
	// call retried (the SDKs retry with the same token) gets the schedule instead of a
	// ConflictException.
	ClientToken string `json:"StepwiseClientToken,omitempty"`
}

// FlexibleTimeWindow is how late after its time a firing may be started.
type FlexibleTimeWindow struct {
	Mode                   string `json:"Mode"`
	MaximumWindowInMinutes *int   `json:"MaximumWindowInMinutes,omitempty"`
}

// Target is what a schedule starts. The members Stepwise does not act on are kept as they
// came, and returned by GetSchedule.
type Target struct {
	Arn                         string          `json:"Arn"`
	RoleArn                     string          `json:"RoleArn"`
	Input                       *string         `json:"Input,omitempty"`
	RetryPolicy                 *RetryPolicy    `json:"RetryPolicy,omitempty"`
	DeadLetterConfig            json.RawMessage `json:"DeadLetterConfig,omitempty"`
	EcsParameters               json.RawMessage `json:"EcsParameters,omitempty"`
	EventBridgeParameters       json.RawMessage `json:"EventBridgeParameters,omitempty"`
	KinesisParameters           json.RawMessage `json:"KinesisParameters,omitempty"`
	SageMakerPipelineParameters json.RawMessage `json:"SageMakerPipelineParameters,omitempty"`
	SqsParameters               json.RawMessage `json:"SqsParameters,omitempty"`
}

// RetryPolicy bounds the retries of a firing whose start failed, and how late a firing may
// still be started.
type RetryPolicy struct {
	MaximumEventAgeInSeconds *int `json:"MaximumEventAgeInSeconds,omitempty"`
	MaximumRetryAttempts     *int `json:"MaximumRetryAttempts,omitempty"`
}

// AWS's defaults when a target has no RetryPolicy, or leaves out a member.
const (
	DefaultMaximumEventAge      = 86400
	DefaultMaximumRetryAttempts = 185
)

func (p *RetryPolicy) maxAge() time.Duration {
	if p == nil || p.MaximumEventAgeInSeconds == nil {
		return DefaultMaximumEventAge * time.Second
	}
	return time.Duration(*p.MaximumEventAgeInSeconds) * time.Second
}

func (p *RetryPolicy) maxAttempts() int {
	if p == nil || p.MaximumRetryAttempts == nil {
		return DefaultMaximumRetryAttempts
	}
	return *p.MaximumRetryAttempts
}

// Time is a timestamp of the REST JSON protocol: seconds since the epoch, a JSON number
// (an RFC 3339 string is read too).
type Time struct{ time.Time }

func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)), nil
}

func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(b, []byte(`"`)) {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("not a timestamp: %s", s)
		}
		t.Time = v.UTC()
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1e11 {
		return fmt.Errorf("not a timestamp: %s", b)
	}
	sec, frac := math.Modf(f)
	t.Time = time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6).UTC()
	return nil
}

func at(t time.Time) *Time { return &Time{t} }
