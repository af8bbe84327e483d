package protocol

import "github.com/stepwise-run/stepwise/integration/awssdk/model"

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
