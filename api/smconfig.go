package api

import (
	"encoding/json"
	"fmt"
	"regexp"
)

// A state machine's loggingConfiguration, tracingConfiguration and encryptionConfiguration
// are kept, as given (defaults filled in), in store.StateMachine.Config and echoed by the
// Describe actions. The logging configuration is acted on by package execlog when serve has
// --execution-logs, and tracingConfiguration.enabled turns on the OpenTelemetry spans of the
// state machine's executions when serve has an OTLP endpoint (package tracing). Stepwise
// delivers no encryption: it accepts and validates that setting as AWS does so that
// deployment tools read back what they wrote.

type loggingConfiguration struct {
	Level                string `json:"level"`
	IncludeExecutionData bool   `json:"includeExecutionData"`
	// Destinations is nil when the request had none and empty when it had `[]`: AWS echoes
	// the two differently.
	Destinations *[]logDestination `json:"destinations,omitempty"`
}

type logDestination struct {
	CloudWatchLogsLogGroup *cloudWatchLogsLogGroup `json:"cloudWatchLogsLogGroup,omitempty"`
}

type cloudWatchLogsLogGroup struct {
	LogGroupArn string `json:"logGroupArn"`
}

type tracingConfiguration struct {
	Enabled bool `json:"enabled"`
}

type encryptionConfiguration struct {
	Type                         string `json:"type"`
	KmsKeyID                     string `json:"kmsKeyId,omitempty"`
	KmsDataKeyReusePeriodSeconds *int   `json:"kmsDataKeyReusePeriodSeconds,omitempty"`
}

// smConfig is what store.StateMachine.Config (and store.Version.Config) holds.
type smConfig struct {
	Logging    *loggingConfiguration    `json:"loggingConfiguration,omitempty"`
	Tracing    *tracingConfiguration    `json:"tracingConfiguration,omitempty"`
	Encryption *encryptionConfiguration `json:"encryptionConfiguration,omitempty"`
}

// parseConfig reads a stored Config; rows written before it was kept hold "{}".
func parseConfig(raw string) smConfig {
	var c smConfig
	_ = json.Unmarshal([]byte(raw), &c) // a row this server did not write reads as the defaults
	return c
}

func (c smConfig) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// logging is the configuration DescribeStateMachine shows: AWS's default is level OFF
// without execution data or destinations.
func (c smConfig) logging() loggingConfiguration {
	if c.Logging == nil {
		return loggingConfiguration{Level: "OFF"}
	}
	return *c.Logging
}

func (c smConfig) tracing() tracingConfiguration {
	if c.Tracing == nil {
		return tracingConfiguration{}
	}
	return *c.Tracing
}

// encryption is AWS's default, an AWS owned key, unless a customer managed key was given.
func (c smConfig) encryption() encryptionConfiguration {
	if c.Encryption == nil {
		return encryptionConfiguration{Type: "AWS_OWNED_KEY"}
	}
	return *c.Encryption
}

// sameAs reports whether two configurations are equal for CreateStateMachine's idempotency.
func (c smConfig) sameAs(o smConfig) bool {
	a, _ := json.Marshal(map[string]any{"l": c.logging(), "t": c.tracing(), "e": c.encryption()})
	b, _ := json.Marshal(map[string]any{"l": o.logging(), "t": o.tracing(), "e": o.encryption()})
	return string(a) == string(b)
}

// logGroupArn is the form of a CloudWatch Logs log group ARN that Step Functions logs to
// (the log group's ARN with the ":*" suffix DescribeLogGroups gives).
var logGroupArn = regexp.MustCompile(`^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[\.\-_/#A-Za-z0-9]{1,512}:\*$`)

// checkLogging validates a loggingConfiguration as Create/UpdateStateMachine do and returns
// it with the defaults filled in.
func checkLogging(in *loggingConfiguration) (*loggingConfiguration, error) {
	if in == nil {
		return nil, nil
	}
	out := *in
	if out.Level == "" {
		out.Level = "OFF"
	}
	switch out.Level {
	case "ALL", "ERROR", "FATAL", "OFF":
	default:
		return nil, validation(fmt.Sprintf("Value '%s' at 'loggingConfiguration.level' failed to satisfy constraint: Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]", out.Level))
	}
	n := 0
	if out.Destinations != nil {
		n = len(*out.Destinations)
	}
	if n > 1 || (n == 0 && out.Level != "OFF") {
		return nil, apiErr("InvalidLoggingConfiguration", "Invalid Logging Configuration: Must specify exactly one Log Destination.")
	}
	for i, d := range derefDestinations(out.Destinations) {
		if d.CloudWatchLogsLogGroup == nil {
			return nil, apiErr("InvalidLoggingConfiguration", "Invalid Logging Configuration: Must specify exactly one Log Destination.")
		}
		arn := d.CloudWatchLogsLogGroup.LogGroupArn
		if len(arn) < 1 || len(arn) > 256 {
			bound := "less than or equal to 256"
			if arn == "" {
				bound = "greater than or equal to 1"
			}
			return nil, validation(fmt.Sprintf("Value '%s' at 'loggingConfiguration.destinations.%d.member.cloudWatchLogsLogGroup.logGroupArn' failed to satisfy constraint: Member must have length %s", arn, i+1, bound))
		}
		// Stepwise has no CloudWatch Logs to look the group up in: a destination that
		// cannot be a log group is the one AWS would not find.
		if !logGroupArn.MatchString(arn) {
			return nil, apiErr("InvalidLoggingConfiguration", "Invalid Logging Configuration: Log Destination not found.")
		}
	}
	return &out, nil
}

func derefDestinations(d *[]logDestination) []logDestination {
	if d == nil {
		return nil
	}
	return *d
}

// checkEncryption validates an encryptionConfiguration as Create/UpdateStateMachine do. The
// request model's constraints come first, as ValidationException; then the pairing of type
// and key. Stepwise has no KMS: a key is never looked up, nothing is encrypted with it.
func checkEncryption(in *encryptionConfiguration) (*encryptionConfiguration, error) {
	if in == nil {
		return nil, nil
	}
	var problems []string
	switch in.Type {
	case "":
		problems = append(problems, "Value null at 'encryptionConfiguration.type' failed to satisfy constraint: Member must not be null")
	case "AWS_OWNED_KEY", "CUSTOMER_MANAGED_KMS_KEY":
	default:
		problems = append(problems, fmt.Sprintf("Value '%s' at 'encryptionConfiguration.type' failed to satisfy constraint: Member must satisfy enum value set: [AWS_OWNED_KEY, CUSTOMER_MANAGED_KMS_KEY]", in.Type))
	}
	if len(in.KmsKeyID) > 2048 {
		problems = append(problems, fmt.Sprintf("Value '%s' at 'encryptionConfiguration.kmsKeyId' failed to satisfy constraint: Member must have length less than or equal to 2048", in.KmsKeyID))
	}
	if p := in.KmsDataKeyReusePeriodSeconds; p != nil {
		if *p < 60 {
			problems = append(problems, fmt.Sprintf("Value '%d' at 'encryptionConfiguration.kmsDataKeyReusePeriodSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60", *p))
		} else if *p > 900 {
			problems = append(problems, fmt.Sprintf("Value '%d' at 'encryptionConfiguration.kmsDataKeyReusePeriodSeconds' failed to satisfy constraint: Member must have value less than or equal to 900", *p))
		}
	}
	if len(problems) > 0 {
		return nil, validation(problems...)
	}
	switch {
	case in.Type == "CUSTOMER_MANAGED_KMS_KEY" && in.KmsKeyID == "":
		return nil, apiErr("InvalidEncryptionConfiguration", "Invalid Encryption Configuration: kmsKeyId is required when the encryption type is CUSTOMER_MANAGED_KMS_KEY.")
	case in.Type == "AWS_OWNED_KEY" && (in.KmsKeyID != "" || in.KmsDataKeyReusePeriodSeconds != nil):
		return nil, apiErr("InvalidEncryptionConfiguration", "Invalid Encryption Configuration: kmsKeyId and kmsDataKeyReusePeriodSeconds apply only to the encryption type CUSTOMER_MANAGED_KMS_KEY.")
	}
	out := *in
	return &out, nil
}
