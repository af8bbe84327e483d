package protocol

// queryNames holds the wire names that a JSON model lost when its service moved from the
// query protocol to JSON (SQS, awsQueryCompatible): the query model named a list of
// attributes Attribute.1.Name where the JSON model only says Attributes. Stepwise still
// speaks query to servers that know nothing else (goaws), so it keeps the old names.
type queryNames struct {
	members map[string]string    // "Shape.Member" -> wire name
	maps    map[string][2]string // map shape -> key and value element names
	errors  map[string]string    // query error code -> the JSON model's exception shape
}

func (q *queryNames) member(shape, member string) string {
	return q.members[shape+"."+member]
}

func (q *queryNames) mapNames(shape string) (string, string, bool) {
	kv, ok := q.maps[shape]
	return kv[0], kv[1], ok
}

// sqsQueryNames are SQS's names from its query model (API version 2012-11-05).
var sqsQueryNames = &queryNames{
	members: map[string]string{
		"CreateQueueRequest.Attributes":                        "Attribute",
		"CreateQueueRequest.tags":                              "Tag",
		"SetQueueAttributesRequest.Attributes":                 "Attribute",
		"GetQueueAttributesRequest.AttributeNames":             "AttributeName",
		"GetQueueAttributesResult.Attributes":                  "Attribute",
		"ReceiveMessageRequest.AttributeNames":                 "AttributeName",
		"ReceiveMessageRequest.MessageAttributeNames":          "MessageAttributeName",
		"ReceiveMessageRequest.MessageSystemAttributeNames":    "MessageSystemAttributeName",
		"ReceiveMessageResult.Messages":                        "Message",
		"Message.Attributes":                                   "Attribute",
		"Message.MessageAttributes":                            "MessageAttribute",
		"SendMessageRequest.MessageAttributes":                 "MessageAttribute",
		"SendMessageRequest.MessageSystemAttributes":           "MessageSystemAttribute",
		"SendMessageBatchRequest.Entries":                      "SendMessageBatchRequestEntry",
		"SendMessageBatchRequestEntry.MessageAttributes":       "MessageAttribute",
		"SendMessageBatchRequestEntry.MessageSystemAttributes": "MessageSystemAttribute",
		"SendMessageBatchResult.Successful":                    "SendMessageBatchResultEntry",
		"SendMessageBatchResult.Failed":                        "BatchResultErrorEntry",
		"DeleteMessageBatchRequest.Entries":                    "DeleteMessageBatchRequestEntry",
		"DeleteMessageBatchResult.Successful":                  "DeleteMessageBatchResultEntry",
		"DeleteMessageBatchResult.Failed":                      "BatchResultErrorEntry",
		"ChangeMessageVisibilityBatchRequest.Entries":          "ChangeMessageVisibilityBatchRequestEntry",
		"ChangeMessageVisibilityBatchResult.Successful":        "ChangeMessageVisibilityBatchResultEntry",
		"ChangeMessageVisibilityBatchResult.Failed":            "BatchResultErrorEntry",
		"MessageAttributeValue.StringListValues":               "StringListValue",
		"MessageAttributeValue.BinaryListValues":               "BinaryListValue",
		"MessageSystemAttributeValue.StringListValues":         "StringListValue",
		"MessageSystemAttributeValue.BinaryListValues":         "BinaryListValue",
		"ListQueuesResult.QueueUrls":                           "QueueUrl",
		"ListDeadLetterSourceQueuesResult.queueUrls":           "QueueUrl",
		"ListQueueTagsResult.Tags":                             "Tag",
		"TagQueueRequest.Tags":                                 "Tag",
		"UntagQueueRequest.TagKeys":                            "TagKey",
		"AddPermissionRequest.AWSAccountIds":                   "AWSAccountId",
		"AddPermissionRequest.Actions":                         "ActionName",
	},
	maps: map[string][2]string{
		"QueueAttributeMap":             {"Name", "Value"},
		"MessageBodyAttributeMap":       {"Name", "Value"},
		"MessageSystemAttributeMap":     {"Name", "Value"},
		"MessageBodySystemAttributeMap": {"Name", "Value"},
		"TagMap":                        {"Key", "Value"},
	},
	errors: map[string]string{
		"AWS.SimpleQueueService.NonExistentQueue":             "QueueDoesNotExist",
		"QueueAlreadyExists":                                  "QueueNameExists",
		"AWS.SimpleQueueService.QueueDeletedRecently":         "QueueDeletedRecently",
		"AWS.SimpleQueueService.MessageNotInflight":           "MessageNotInflight",
		"AWS.SimpleQueueService.PurgeQueueInProgress":         "PurgeQueueInProgress",
		"AWS.SimpleQueueService.BatchEntryIdsNotDistinct":     "BatchEntryIdsNotDistinct",
		"AWS.SimpleQueueService.EmptyBatchRequest":            "EmptyBatchRequest",
		"AWS.SimpleQueueService.TooManyEntriesInBatchRequest": "TooManyEntriesInBatchRequest",
		"AWS.SimpleQueueService.InvalidBatchEntryId":          "InvalidBatchEntryId",
		"AWS.SimpleQueueService.BatchRequestTooLong":          "BatchRequestTooLong",
		"AWS.SimpleQueueService.UnsupportedOperation":         "UnsupportedOperation",
	},
}
