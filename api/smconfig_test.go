package api_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

const logGroup = "arn:aws:logs:us-east-1:123456789012:log-group:stepwise-logs:*"

func logTo(level types.LogLevel, data bool, arns ...string) *types.LoggingConfiguration {
	lc := &types.LoggingConfiguration{Level: level, IncludeExecutionData: data}
	for _, a := range arns {
		lc.Destinations = append(lc.Destinations, types.LogDestination{CloudWatchLogsLogGroup: &types.CloudWatchLogsLogGroup{LogGroupArn: aws.String(a)}})
	}
	return lc
}

func wantLogging(t *testing.T, what string, got *types.LoggingConfiguration, level types.LogLevel, data bool, arns ...string) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: no loggingConfiguration", what)
	}
	var gotArns []string
	for _, d := range got.Destinations {
		if d.CloudWatchLogsLogGroup != nil {
			gotArns = append(gotArns, aws.ToString(d.CloudWatchLogsLogGroup.LogGroupArn))
		}
	}
	if got.Level != level || got.IncludeExecutionData != data || len(gotArns) != len(arns) || (len(arns) == 1 && gotArns[0] != arns[0]) {
		t.Errorf("%s: logging %s %v %v, want %s %v %v", what, got.Level, got.IncludeExecutionData, gotArns, level, data, arns)
	}
}

func TestLoggingConfigurationThroughTheSDK(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	create := func(name string, lc *types.LoggingConfiguration) (*sfn.CreateStateMachineOutput, error) {
		return c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(say("a")), RoleArn: aws.String(role), LoggingConfiguration: lc})
	}
	describe := func(arn *string) *sfn.DescribeStateMachineOutput {
		t.Helper()
		d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	// Every level, with and without execution data, comes back as given.
	for _, level := range []types.LogLevel{types.LogLevelAll, types.LogLevelError, types.LogLevelFatal, types.LogLevelOff} {
		for _, data := range []bool{false, true} {
			name := "logs-" + string(level) + map[bool]string{false: "-no-data", true: "-data"}[data]
			sm, err := create(name, logTo(level, data, logGroup))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			wantLogging(t, name, describe(sm.StateMachineArn).LoggingConfiguration, level, data, logGroup)
		}
	}

	// No configuration and an empty one read as AWS's default.
	plain, err := create("plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	d := describe(plain.StateMachineArn)
	wantLogging(t, "default", d.LoggingConfiguration, types.LogLevelOff, false)
	if d.TracingConfiguration == nil || d.TracingConfiguration.Enabled {
		t.Errorf("default tracing %+v", d.TracingConfiguration)
	}
	empty, err := create("empty", &types.LoggingConfiguration{})
	if err != nil {
		t.Fatal(err)
	}
	wantLogging(t, "empty", describe(empty.StateMachineArn).LoggingConfiguration, types.LogLevelOff, false)

	// AWS's errors.
	const oneDestination = "Invalid Logging Configuration: Must specify exactly one Log Destination."
	_, err = create("no-destination", logTo(types.LogLevelAll, false))
	wantErr(t, "level without destination", err, "InvalidLoggingConfiguration", oneDestination)
	_, err = create("no-destination", logTo(types.LogLevelError, true))
	wantErr(t, "ERROR without destination", err, "InvalidLoggingConfiguration", oneDestination)
	_, err = create("two-destinations", logTo(types.LogLevelAll, false, logGroup, logGroup))
	wantErr(t, "two destinations", err, "InvalidLoggingConfiguration", oneDestination)
	_, err = create("bad-group", logTo(types.LogLevelAll, false, "arn:aws:logs:us-east-1:123456789012:log-group:stepwise-logs"))
	wantErr(t, "log group ARN without :*", err, "InvalidLoggingConfiguration", "Invalid Logging Configuration: Log Destination not found.")
	_, err = create("bad-group", logTo(types.LogLevelAll, false, "arn:aws:s3:::bucket"))
	wantErr(t, "not a log group", err, "InvalidLoggingConfiguration", "Invalid Logging Configuration: Log Destination not found.")
	_, err = create("bad-level", logTo("VERBOSE", false, logGroup))
	wantErr(t, "unknown level", err, "ValidationException", "1 validation error detected: Value 'VERBOSE' at 'loggingConfiguration.level' failed to satisfy constraint: Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]")

	// CreateStateMachine is idempotent for the same logging only.
	same, err := create("logs-ALL-data", logTo(types.LogLevelAll, true, logGroup))
	if err != nil || aws.ToString(same.StateMachineArn) == "" {
		t.Errorf("same configuration again: %v", err)
	}
	_, err = create("logs-ALL-data", logTo(types.LogLevelAll, false, logGroup))
	wantErr(t, "other configuration", err, "StateMachineAlreadyExists", "")
	_, err = create("plain", logTo(types.LogLevelOff, false))
	if err != nil {
		t.Errorf("explicit default on a machine created without logging: %v", err)
	}
	_, err = create("plain", logTo(types.LogLevelFatal, false, logGroup))
	wantErr(t, "logging added on create", err, "StateMachineAlreadyExists", "")
}

func TestUpdateLoggingConfigurationThroughTheSDK(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("m"), Definition: aws.String(say("a")), RoleArn: aws.String(role),
		LoggingConfiguration: logTo(types.LogLevelAll, true, logGroup), Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	v1 := sm.StateMachineVersionArn
	update := func(lc *types.LoggingConfiguration) error {
		_, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: sm.StateMachineArn, LoggingConfiguration: lc})
		return err
	}
	describe := func(arn *string) *sfn.DescribeStateMachineOutput {
		t.Helper()
		d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	// As recorded on AWS: a changed level is a new revision, the same configuration again is
	// not, a changed includeExecutionData is.
	if err := update(logTo(types.LogLevelFatal, true, logGroup)); err != nil {
		t.Fatal(err)
	}
	d := describe(sm.StateMachineArn)
	wantLogging(t, "level updated", d.LoggingConfiguration, types.LogLevelFatal, true, logGroup)
	rev1 := aws.ToString(d.RevisionId)
	if rev1 == "" {
		t.Fatal("a logging update made no revision")
	}
	if err := update(logTo(types.LogLevelFatal, true, logGroup)); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(describe(sm.StateMachineArn).RevisionId); got != rev1 {
		t.Errorf("the same configuration again made revision %s (was %s)", got, rev1)
	}
	if err := update(logTo(types.LogLevelFatal, false, logGroup)); err != nil {
		t.Fatal(err)
	}
	d = describe(sm.StateMachineArn)
	wantLogging(t, "flag updated", d.LoggingConfiguration, types.LogLevelFatal, false, logGroup)
	if aws.ToString(d.RevisionId) == rev1 {
		t.Error("changing includeExecutionData made no new revision")
	}

	const oneDestination = "Invalid Logging Configuration: Must specify exactly one Log Destination."
	wantErr(t, "two destinations", update(logTo(types.LogLevelFatal, false, logGroup, logGroup)), "InvalidLoggingConfiguration", oneDestination)
	wantErr(t, "no destination", update(logTo(types.LogLevelAll, false)), "InvalidLoggingConfiguration", oneDestination)

	// Tracing alone is an update too; the definition stays.
	if _, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: sm.StateMachineArn, TracingConfiguration: &types.TracingConfiguration{Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	d = describe(sm.StateMachineArn)
	if d.TracingConfiguration == nil || !d.TracingConfiguration.Enabled {
		t.Errorf("tracing %+v after enabling it", d.TracingConfiguration)
	}
	wantLogging(t, "logging kept by a tracing update", d.LoggingConfiguration, types.LogLevelFatal, false, logGroup)

	// A version keeps the configuration it was published with.
	wantLogging(t, "version 1", describe(v1).LoggingConfiguration, types.LogLevelAll, true, logGroup)
	if tr := describe(v1).TracingConfiguration; tr == nil || tr.Enabled {
		t.Errorf("version 1 tracing %+v", tr)
	}
	pub, err := c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	wantLogging(t, "version 2", describe(pub.StateMachineVersionArn).LoggingConfiguration, types.LogLevelFatal, false, logGroup)

	// DescribeStateMachineForExecution shows the configuration of what the execution runs.
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: v1})
	if err != nil {
		t.Fatal(err)
	}
	fe, err := c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	wantLogging(t, "for an execution of version 1", fe.LoggingConfiguration, types.LogLevelAll, true, logGroup)
	start, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	fe, err = c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	wantLogging(t, "for an execution of the latest", fe.LoggingConfiguration, types.LogLevelFatal, false, logGroup)
	if fe.TracingConfiguration == nil || !fe.TracingConfiguration.Enabled {
		t.Errorf("tracing for an execution %+v", fe.TracingConfiguration)
	}
	// An update after the start does not change what the execution ran with.
	if _, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: sm.StateMachineArn,
		TracingConfiguration: &types.TracingConfiguration{Enabled: false}}); err != nil {
		t.Fatal(err)
	}
	fe, err = c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if fe.TracingConfiguration == nil || !fe.TracingConfiguration.Enabled {
		t.Errorf("tracing for an execution after an update %+v, want the one it started with", fe.TracingConfiguration)
	}
}

func TestEncryptionConfigurationThroughTheSDK(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	create := func(name string, ec *types.EncryptionConfiguration) (*sfn.CreateStateMachineOutput, error) {
		return c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(say("a")), RoleArn: aws.String(role), EncryptionConfiguration: ec})
	}
	describe := func(arn *string) *types.EncryptionConfiguration {
		t.Helper()
		d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		if d.EncryptionConfiguration == nil {
			t.Fatal("no encryptionConfiguration")
		}
		return d.EncryptionConfiguration
	}

	plain, err := create("plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := describe(plain.StateMachineArn); e.Type != types.EncryptionTypeAwsOwnedKey || e.KmsKeyId != nil || e.KmsDataKeyReusePeriodSeconds != nil {
		t.Errorf("default encryption %+v", e)
	}
	cmk := &types.EncryptionConfiguration{Type: types.EncryptionTypeCustomerManagedKmsKey, KmsKeyId: aws.String(key), KmsDataKeyReusePeriodSeconds: aws.Int32(120)}
	sm, err := create("cmk", cmk)
	if err != nil {
		t.Fatal(err)
	}
	if e := describe(sm.StateMachineArn); e.Type != types.EncryptionTypeCustomerManagedKmsKey || aws.ToString(e.KmsKeyId) != key || aws.ToInt32(e.KmsDataKeyReusePeriodSeconds) != 120 {
		t.Errorf("customer managed key %+v", e)
	}

	// Idempotency compares the encryption too.
	if _, err := create("cmk", cmk); err != nil {
		t.Errorf("same encryption again: %v", err)
	}
	_, err = create("cmk", nil)
	wantErr(t, "other encryption", err, "StateMachineAlreadyExists", "")
	if _, err := create("plain", &types.EncryptionConfiguration{Type: types.EncryptionTypeAwsOwnedKey}); err != nil {
		t.Errorf("explicit AWS owned key on a machine created without: %v", err)
	}

	for _, tc := range []struct {
		name          string
		ec            *types.EncryptionConfiguration
		code, message string
	}{
		{"no key", &types.EncryptionConfiguration{Type: types.EncryptionTypeCustomerManagedKmsKey}, "InvalidEncryptionConfiguration", ""},
		{"key with AWS owned", &types.EncryptionConfiguration{Type: types.EncryptionTypeAwsOwnedKey, KmsKeyId: aws.String(key)}, "InvalidEncryptionConfiguration", ""},
		{"period too short", &types.EncryptionConfiguration{Type: types.EncryptionTypeCustomerManagedKmsKey, KmsKeyId: aws.String(key), KmsDataKeyReusePeriodSeconds: aws.Int32(59)}, "ValidationException",
			"1 validation error detected: Value '59' at 'encryptionConfiguration.kmsDataKeyReusePeriodSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60"},
		{"period too long", &types.EncryptionConfiguration{Type: types.EncryptionTypeCustomerManagedKmsKey, KmsKeyId: aws.String(key), KmsDataKeyReusePeriodSeconds: aws.Int32(901)}, "ValidationException",
			"1 validation error detected: Value '901' at 'encryptionConfiguration.kmsDataKeyReusePeriodSeconds' failed to satisfy constraint: Member must have value less than or equal to 900"},
		{"unknown type", &types.EncryptionConfiguration{Type: "MY_KEY"}, "ValidationException",
			"1 validation error detected: Value 'MY_KEY' at 'encryptionConfiguration.type' failed to satisfy constraint: Member must satisfy enum value set: [AWS_OWNED_KEY, CUSTOMER_MANAGED_KMS_KEY]"},
	} {
		_, err := create("bad", tc.ec)
		wantErr(t, tc.name, err, tc.code, tc.message)
	}

	// UpdateStateMachine changes it (a new revision); a version keeps the one it was
	// published with.
	p, err := c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	up, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: sm.StateMachineArn, EncryptionConfiguration: &types.EncryptionConfiguration{Type: types.EncryptionTypeAwsOwnedKey}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(up.RevisionId) == "" {
		t.Error("an encryption update made no revision")
	}
	if e := describe(sm.StateMachineArn); e.Type != types.EncryptionTypeAwsOwnedKey || e.KmsKeyId != nil {
		t.Errorf("after update %+v", e)
	}
	if e := describe(p.StateMachineVersionArn); e.Type != types.EncryptionTypeCustomerManagedKmsKey || aws.ToString(e.KmsKeyId) != key {
		t.Errorf("version 1 %+v", e)
	}
	_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: sm.StateMachineArn, EncryptionConfiguration: &types.EncryptionConfiguration{Type: types.EncryptionTypeCustomerManagedKmsKey}})
	wantErr(t, "update without a key", err, "InvalidEncryptionConfiguration", "")
}
