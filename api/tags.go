package api

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/store"
)

// Tags of state machines and activities: TagResource, UntagResource, ListTagsForResource.

// maxTags is AWS's limit of tags per resource.
const maxTags = 50

type tagJSON struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// checkTags validates tags as AWS does and folds repeated keys (the last value wins).
func checkTags(in []tagJSON) ([]store.Tag, error) {
	var out []store.Tag
	at := map[string]int{}
	for _, t := range in {
		if n := utf8.RuneCountInString(t.Key); n < 1 || n > 128 {
			return nil, validation(fmt.Sprintf("Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128", t.Key))
		}
		if utf8.RuneCountInString(t.Value) > 256 {
			return nil, validation(fmt.Sprintf("Value '%s' at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256", t.Value))
		}
		if i, ok := at[t.Key]; ok {
			out[i].Value = t.Value
			continue
		}
		at[t.Key] = len(out)
		out = append(out, store.Tag{Key: t.Key, Value: t.Value})
	}
	return out, nil
}

// checkTagCount answers TooManyTags when a resource would have more than maxTags tags:
// TagResource's, and CreateStateMachine's and CreateActivity's, whose errors list it too.
func checkTagCount(arn string, n int) error {
	if n > maxTags {
		return apiErr("TooManyTags", "Too many tags: the resource '%s' would have %d tags, more than %d", arn, n, maxTags)
	}
	return nil
}

// taggable checks that arn names an existing state machine or activity.
func (s *Server) taggable(ctx context.Context, arn string) error {
	notFound := apiErr("ResourceNotFound", "Resource not found: '%s'", arn)
	if err := checkArn(arn, resourceType(arn)); err != nil {
		return err
	}
	var err error
	switch resourceType(arn) {
	case "stateMachine":
		_, err = s.Store.GetStateMachine(ctx, arn)
	case "activity":
		_, err = s.Store.GetActivity(ctx, arn)
	default:
		return notFound
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFound
	}
	return err
}

func (s *Server) tagResource(ctx context.Context, body []byte) (any, error) {
	var req struct {
		ResourceArn string    `json:"resourceArn"`
		Tags        []tagJSON `json:"tags"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	tags, err := checkTags(req.Tags)
	if err != nil {
		return nil, err
	}
	if err := s.taggable(ctx, req.ResourceArn); err != nil {
		return nil, err
	}
	have, err := s.Store.ListTags(ctx, req.ResourceArn)
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for _, t := range append(have, tags...) {
		keys[t.Key] = true
	}
	if err := checkTagCount(req.ResourceArn, len(keys)); err != nil {
		return nil, err
	}
	if err := s.Store.TagResource(ctx, req.ResourceArn, tags); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Server) untagResource(ctx context.Context, body []byte) (any, error) {
	var req struct {
		ResourceArn string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if err := s.taggable(ctx, req.ResourceArn); err != nil {
		return nil, err
	}
	if err := s.Store.UntagResource(ctx, req.ResourceArn, req.TagKeys); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Server) listTagsForResource(ctx context.Context, body []byte) (any, error) {
	var req struct {
		ResourceArn string `json:"resourceArn"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if err := s.taggable(ctx, req.ResourceArn); err != nil {
		return nil, err
	}
	tags, err := s.Store.ListTags(ctx, req.ResourceArn)
	if err != nil {
		return nil, err
	}
	out := make([]tagJSON, len(tags))
	for i, t := range tags {
		out[i] = tagJSON{Key: t.Key, Value: t.Value}
	}
	return map[string]any{"tags": out}, nil
}

// dropTags removes a deleted resource's tags, so that a new one of the same name starts
// without them.
func (s *Server) dropTags(ctx context.Context, arn string) error {
	tags, err := s.Store.ListTags(ctx, arn)
	if err != nil || len(tags) == 0 {
		return err
	}
	keys := make([]string, len(tags))
	for i, t := range tags {
		keys[i] = t.Key
	}
	return s.Store.UntagResource(ctx, arn, keys)
}
