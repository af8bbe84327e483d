package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
)

// Activities: CreateActivity, DescribeActivity, DeleteActivity, ListActivities and
// GetActivityTask. Workers answer with SendTaskSuccess, SendTaskFailure and
// SendTaskHeartbeat (executions.go), by the token GetActivityTask gave them.

func (s *Server) activityArn(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:activity:%s", s.Region, s.Account, name)
}

type activityConfig struct {
	EncryptionConfiguration *json.RawMessage `json:"encryptionConfiguration,omitempty"`
}

func (s *Server) createActivity(ctx context.Context, body []byte) (any, error) {
	var req struct {
		Name                    *string          `json:"name"`
		Tags                    []tagJSON        `json:"tags"`
		EncryptionConfiguration *json.RawMessage `json:"encryptionConfiguration"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if req.Name == nil {
		return nil, validation("Value null at 'name' failed to satisfy constraint: Member must not be null")
	}
	if problem := runner.NameLength(*req.Name); problem != "" {
		return nil, validation(problem)
	}
	if !runner.ValidName(*req.Name) {
		return nil, apiErr("InvalidName", "Invalid Name: '%s'", *req.Name)
	}
	tags, err := checkTags(req.Tags)
	if err != nil {
		return nil, err
	}
	if err := checkTagCount(s.activityArn(*req.Name), len(tags)); err != nil {
		return nil, err
	}
	config, _ := json.Marshal(activityConfig{EncryptionConfiguration: req.EncryptionConfiguration})
	a := &store.Activity{Arn: s.activityArn(*req.Name), Name: *req.Name, Config: string(config), CreatedAt: time.Now().UTC(),
		Tags: tags} // with it, in its transaction
	err = s.Store.CreateActivity(ctx, a)
	switch {
	case errors.Is(err, store.ErrExists):
		// Idempotent on the name; AWS ignores differing tags.
		if a, err = s.Store.GetActivity(ctx, a.Arn); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	}
	return map[string]any{"activityArn": a.Arn, "creationDate": epoch(a.CreatedAt)}, nil
}

// activity looks up an activity by ARN with AWS's errors.
func (s *Server) activity(ctx context.Context, arn string) (*store.Activity, error) {
	if err := checkArn(arn, "activity"); err != nil {
		return nil, err
	}
	a, err := s.Store.GetActivity(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apiErr("ActivityDoesNotExist", "Activity Does Not Exist: '%s'", arn)
	}
	return a, err
}

type activityArnRequest struct {
	ActivityArn string `json:"activityArn"`
	WorkerName  string `json:"workerName"`
}

func (s *Server) describeActivity(ctx context.Context, body []byte) (any, error) {
	var req activityArnRequest
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	a, err := s.activity(ctx, req.ActivityArn)
	if err != nil {
		return nil, err
	}
	var config activityConfig
	_ = json.Unmarshal([]byte(a.Config), &config)
	enc := json.RawMessage(`{"type":"AWS_OWNED_KEY"}`)
	if config.EncryptionConfiguration != nil {
		enc = *config.EncryptionConfiguration
	}
	return map[string]any{"activityArn": a.Arn, "name": a.Name, "creationDate": epoch(a.CreatedAt), "encryptionConfiguration": enc}, nil
}

func (s *Server) deleteActivity(ctx context.Context, body []byte) (any, error) {
	var req activityArnRequest
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if err := checkArn(req.ActivityArn, "activity"); err != nil {
		return nil, err
	}
	// As AWS: 200 for an activity that does not exist (any more).
	if err := s.Store.DeleteActivity(ctx, req.ActivityArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Server) listActivities(ctx context.Context, body []byte) (any, error) {
	var req struct {
		paging
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	pg, err := req.page()
	if err != nil {
		return nil, err
	}
	as, next, err := s.Store.ListActivities(ctx, pg)
	if err != nil {
		return nil, tokenErr(err)
	}
	items := make([]map[string]any, 0, len(as))
	for _, a := range as {
		items = append(items, map[string]any{"activityArn": a.Arn, "name": a.Name, "creationDate": epoch(a.CreatedAt)})
	}
	return listed("activities", items, next), nil
}

// getActivityTask long-polls for a task of the activity (up to 60 seconds, as AWS; clients
// use a longer socket timeout). Nothing in time is an empty answer, not an error.
func (s *Server) getActivityTask(ctx context.Context, body []byte) (any, error) {
	var req activityArnRequest
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(req.WorkerName) > 80 {
		return nil, validation(fmt.Sprintf("Value '%s' at 'workerName' failed to satisfy constraint: Member must have length less than or equal to 80", req.WorkerName))
	}
	if _, err := s.activity(ctx, req.ActivityArn); err != nil {
		return nil, err
	}
	t, err := s.Node.TakeActivityTask(ctx, req.ActivityArn, req.WorkerName)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return struct{}{}, nil
	}
	var et engine.Task
	if err := json.Unmarshal([]byte(t.Body), &et); err != nil {
		return nil, fmt.Errorf("decode activity task: %w", err)
	}
	return map[string]any{"taskToken": t.Token, "input": et.Parameters}, nil
}

// checkTaskOpen tells a token that may still be answered from one that cannot: a token
// that is not of the form Stepwise hands out is invalid; one whose execution has ended
// belongs to a closed task (AWS: TaskTimedOut).
func (s *Server) checkTaskOpen(ctx context.Context, token string) error {
	if !wellFormedToken(token) {
		return apiErr("InvalidToken", "Invalid Token: 'Invalid token'")
	}
	t, err := s.Store.TaskByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return taskClosed()
	}
	if err != nil {
		return err
	}
	ex, err := s.Store.GetExecution(ctx, t.ExecutionArn)
	if err != nil {
		return err
	}
	if ex.Status != string(engine.Running) {
		return taskClosed()
	}
	return nil
}

// taskClosed is AWS's answer to a token whose task timed out or was answered already.
// Stepwise forgets a task once it is answered, so a well-formed token it does not know
// is taken to be one of those (its tokens are 122 random bits: a guess does not hit).
func taskClosed() error {
	return apiErr("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
}

// wellFormedToken reports whether a token has the form of Stepwise's: a UUID (the
// engine's) or 64 characters of URL-safe base64 (the node's).
func wellFormedToken(tok string) bool {
	isHex := func(r rune) bool { return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' }
	if len(tok) == 36 {
		for i, r := range tok {
			if (i == 8 || i == 13 || i == 18 || i == 23) != (r == '-') || r != '-' && !isHex(r) {
				return false
			}
		}
		return true
	}
	if len(tok) == 64 {
		for _, r := range tok {
			if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
		return true
	}
	return false
}
