package protocol

import (
	"testing"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// TestStepFunctionsNames: PascalCase, Equals written EqualsValue, and Member finding members
// by either spelling but Equals only as EqualsValue (for every codec, awsJson included).
func TestStepFunctionsNames(t *testing.T) {
	sh := &model.Shape{Type: "structure", Members: map[string]*model.ShapeRef{
		"restApiId": {Shape: "String"}, "Equals": {Shape: "L"}, "Filters": {Shape: "F", LocationName: "Filter"}}}
	for key, want := range map[string]string{"RestApiId": "restApiId", "restApiId": "restApiId", "EqualsValue": "Equals",
		"Equals": "", "Filters": "Filters", "Filter": ""} {
		if got, _ := Member(sh, key); got != want {
			t.Errorf("Member(%q) = %q, want %q", key, got, want)
		}
	}
	for in, want := range map[string]string{"restApiId": "RestApiId", "equals": "EqualsValue", "Equals": "EqualsValue", "Name": "Name"} {
		if got := StepFunctionsName(in); got != want {
			t.Errorf("StepFunctionsName(%q) = %q, want %q", in, got, want)
		}
	}
}
