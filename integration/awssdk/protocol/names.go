package protocol

import "github.com/stepwise-run/stepwise/integration/awssdk/model"

// Step Functions' naming rules for aws-sdk parameters and results (the "API naming
// conventions" of the Step Functions developer guide):
//
//   - members are spelled in PascalCase (StepFunctionsName);
//   - a list sent as Filter.1, Filter.2, ... is named by the member, which the models spell in
//     the plural (Filters), never by its wire name (Filter): keys are looked up among member
//     names only, so Filter is refused as an unknown field;
//   - a member called Equals is written EqualsValue, as the AWS SDK for Java names it
//     (equals is a reserved method there).
//
// TODO(merge): the Equals rule belongs in StepFunctionsName and Member (protocol.go), so that
// the json codec applies it too; it lives here until the lead folds it in.

// sfnKey is the key a member has in Step Functions parameters and results.
func sfnKey(member string) string {
	k := StepFunctionsName(member)
	if k == "Equals" {
		return "EqualsValue"
	}
	return k
}

// memberFor finds the member of sh that a Step Functions key names.
func memberFor(sh *model.Shape, key string) (string, *model.ShapeRef) {
	if key == "EqualsValue" {
		if ref, ok := sh.Members["Equals"]; ok {
			return "Equals", ref
		}
		if ref, ok := sh.Members["equals"]; ok {
			return "equals", ref
		}
	}
	if key == "Equals" || key == "equals" {
		return "", nil
	}
	return Member(sh, key)
}

// members lists a structure's members in the model's order.
func members(sh *model.Shape) []string {
	if len(sh.MemberOrder) == len(sh.Members) {
		return sh.MemberOrder
	}
	names := make([]string, 0, len(sh.Members))
	for n := range sh.Members {
		names = append(names, n)
	}
	sortStrings(names)
	return names
}
