package protocol

// How values cross between a state machine and a service, the same for every protocol.
//
// A state machine holds JSON; a model's shapes add timestamps, blobs, integers and floats.
// Step Functions runs aws-sdk tasks through the AWS SDK for Java 2.x and serialises its result
// objects to JSON, so results render as that serialiser renders them: an Instant as its ISO
// 8601 text (Instant.toString: "2024-01-02T03:04:05Z", with a fraction only when there is
// one), SdkBytes as base64. docs/integrations.md gives the evidence and the exceptions.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
)

// renderTimestamp renders a timestamp in a task's result: ISO 8601 in UTC, the fraction of a
// second only when it is not zero (as java.time.Instant.toString does).
func renderTimestamp(t time.Time) string {
	t = t.UTC()
	switch {
	case t.Nanosecond() == 0:
		return t.Format("2006-01-02T15:04:05Z")
	case t.Nanosecond()%1e6 == 0:
		return t.Format("2006-01-02T15:04:05.000Z")
	case t.Nanosecond()%1e3 == 0:
		return t.Format("2006-01-02T15:04:05.000000Z")
	}
	return t.Format("2006-01-02T15:04:05.000000000Z")
}

// renderBlob renders binary data in a task's result: base64, as the Java SDK's SdkBytes
// serialise (a blob need not be text, and JSON holds only text).
func renderBlob(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// parseTimestamp reads a timestamp parameter: ISO 8601 text (what a state machine usually
// holds, e.g. from $$.State.EnteredTime) or a number of seconds since the epoch.
func parseTimestamp(v any) (time.Time, error) {
	switch v := v.(type) {
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", time.RFC1123, time.RFC1123Z} {
			if t, err := time.Parse(layout, v); err == nil {
				return t, nil
			}
		}
		if t, err := epochText(v); err == nil {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("%q is not a timestamp (ISO 8601 or seconds since the epoch)", v)
	case json.Number:
		return epochText(string(v))
	}
	return time.Time{}, fmt.Errorf("expected a timestamp, got %s", value.TypeName(v))
}

// epochText reads seconds since the epoch written in decimal as the AWS SDK for Java reads
// them (DateUtils.parseUnixTimestampInstant: a BigDecimal, to the millisecond, the rest cut
// off). A float64 would not do: DynamoDB's 1.765021215752E9 is 1765021215.752000093 as one.
// Numbers out of any date's range, or with a long exponent, are read as floats.
func epochText(s string) (time.Time, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}, err
	}
	if math.IsNaN(f) || math.Abs(f) > 1e13 || strings.Trim(s, "0123456789.+-eE") != "" {
		return epoch(f), nil // out of range, or not decimal (0x1p-3)
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		if exp, err := strconv.Atoi(s[i+1:]); err != nil || exp < -30 || exp > 30 {
			return epoch(f), nil // an exponent big.Rat would spell out digit by digit
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return epoch(f), nil
	}
	r.Mul(r, big.NewRat(1000, 1))
	ms := new(big.Int).Quo(r.Num(), r.Denom()) // truncated toward zero, as BigDecimal.longValue
	return time.UnixMilli(ms.Int64()).UTC(), nil
}

func epoch(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC()
}

// parseBlob reads a streaming payload parameter (S3 putObject's Body). A string is its UTF-8
// bytes, as Step Functions stores an S3 object's Body given as text; any other JSON value is
// its JSON text (both recorded).
func parseBlob(v any) []byte {
	if s, ok := v.(string); ok {
		return []byte(s)
	}
	return value.EncodeBytes(v)
}

// parseBlobMember reads a blob member that is not a payload (a DynamoDB B attribute, a KMS
// ciphertext): base64 text is decoded, so that a blob a result rendered (renderBlob) goes back
// unchanged, and a state machine can copy a getItem's item into a putItem. Text that is not
// base64, and other JSON values, are taken as parseBlob takes them.
func parseBlobMember(v any) []byte {
	if s, ok := v.(string); ok {
		if b, err := base64.StdEncoding.DecodeString(s); err == nil {
			return b
		}
	}
	return parseBlob(v)
}

// article names a model type for a message: "a string", "an integer".
func article(typ string) string {
	name := map[string]string{"structure": "object", "map": "object", "list": "array", "long": "integer",
		"double": "number", "float": "number", "bigdecimal": "number", "biginteger": "integer"}[typ]
	if name == "" {
		name = typ
	}
	if strings.ContainsRune("aeiou", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}
