package model

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ClientName is the name the AWS SDK for Java 2.x gives a service's client, from the model's
// serviceId: "DynamoDB" is DynamoDb, "Secrets Manager" SecretsManager, "SFN" Sfn, and a
// trailing "Service" goes, as the SDK's code generator drops it ("Database Migration
// Service" is DatabaseMigration, "Config Service" Config). Step Functions names an aws-sdk
// task's errors after it (DynamoDb.ResourceNotFoundException), and its resources after the
// same name in lower case (aws-sdk:dynamodb, aws-sdk:databasemigration: AWS's list of
// supported services).
func ClientName(serviceID string) string {
	words := splitWords(serviceID)
	if n := len(words); n > 1 && strings.EqualFold(words[n-1], "service") {
		words = words[:n-1]
	}
	var b strings.Builder
	for _, w := range words {
		r, n := utf8.DecodeRuneInString(w)
		b.WriteRune(unicode.ToUpper(r))
		b.WriteString(strings.ToLower(w[n:]))
	}
	return b.String()
}

var (
	nonAlnum     = regexp.MustCompile(`[^A-Za-z0-9]+`)
	versionUpper = regexp.MustCompile(`([^a-z]{2,})v([0-9]+)`)
	versionLower = regexp.MustCompile(`([^A-Z]{2,})V([0-9]+)`)
	acronym      = regexp.MustCompile(`([A-Z]+)([A-Z][a-z])`)
	digitLetter  = regexp.MustCompile(`([0-9])([a-zA-Z])`)
)

// splitWords splits an identifier on its word boundaries as the Java SDK's code generator
// does: non-alphanumerics, a lower-case letter followed by a capital, the end of an acronym,
// and a digit followed by a letter.
func splitWords(s string) []string {
	s = nonAlnum.ReplaceAllString(s, " ")
	s = versionUpper.ReplaceAllString(s, "$1 v$2 ")
	s = versionLower.ReplaceAllString(s, "$1 V$2 ")
	s = camelBoundaries(s)
	s = acronym.ReplaceAllString(s, "$1 $2")
	s = digitLetter.ReplaceAllString(s, "$1 $2")
	return strings.Fields(s)
}

// camelBoundaries puts a space between a lower-case letter and a following capital that is
// followed by a letter or a digit (AcmSuccess: "Acm Success").
func camelBoundaries(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if i+2 < len(s) && isLower(s[i]) && isUpper(s[i+1]) && isAlnum(s[i+2]) {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool { return isLower(c) || isUpper(c) || (c >= '0' && c <= '9') }

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// ActionName is an operation's name as a Step Functions resource spells it: PutItem is putItem.
func ActionName(op string) string { return lowerFirst(op) }
