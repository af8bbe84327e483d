// Package template reads SAM and CloudFormation templates, in YAML or JSON, and evaluates
// what Stepwise deploys from them: the state machines (AWS::StepFunctions::StateMachine and
// AWS::Serverless::StateMachine), their activities, the Lambda functions they call and the
// IAM roles they run with. `stepwise deploy` creates them on a running server; `stepwise
// test` runs them in process.
//
// Load parses the template once into yaml.v3 nodes, which keep each value's line and the
// short-form tags (!Sub, !Ref, !GetAtt...), and evaluates only the properties Stepwise needs:
// names, definitions, DefinitionSubstitutions, roles and policies. The intrinsics are those
// CloudFormation evaluates there: Ref, Fn::GetAtt, Fn::Sub (with a variables map), Fn::Join,
// Fn::Select, Fn::Split, Fn::If with the Conditions section, Fn::FindInMap, Fn::GetAZs,
// Fn::Base64 and AWS::LanguageExtensions' Fn::ToJsonString and Fn::Length; the pseudo
// parameters come from Options. Fn::ImportValue, Fn::Cidr and Fn::Transform are errors.
//
// Resources Stepwise does not host (tables, queues, buckets, topics...) are listed in
// Template.Skipped; references to them resolve to the names and ARNs CloudFormation would give
// them, so that a state machine reaches the real ones through the AWS service integrations.
// An unnamed resource gets CloudFormation's generated form of name (LogicalId-Suffix for a
// state machine, StackName-LogicalId-Suffix otherwise), with a suffix derived from the stack
// name and logical ID rather than random, so that a second deploy updates what the first made.
//
// Every error is an *Error: the file, the line and what is wrong.
//
// Evaluation is bounded: a Ref cycle (a name or condition that depends on itself) is an error,
// names and conditions are evaluated once, and a template that expands to more than 2^20
// values (YAML aliases nested into an exponential size) is an error naming the alias, so a
// template costs at most time and memory in proportion to that bound.
package template
