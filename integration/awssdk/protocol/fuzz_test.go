package protocol

import (
	"net/http"
	"testing"
)

// FuzzRestXMLDecode feeds arbitrary bodies to the rest-xml decoder and error reader: they may
// refuse a body, never panic or loop.
func FuzzRestXMLDecode(f *testing.F) {
	for _, s := range []string{
		`<ListBucketResult><Name>b</Name><Contents><Key>k</Key><Size>3</Size><LastModified>2024-01-01T00:00:00.000Z</LastModified></Contents><IsTruncated>true</IsTruncated><MaxKeys>2</MaxKeys></ListBucketResult>`,
		`<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>1</RequestId><HostId>h</HostId></Error>`,
		`<ErrorResponse><Error><Code>NoSuchHostedZone</Code></Error></ErrorResponse>`,
		`<a><b><c>`, `</a>`, `<a/><b/>`, ``,
	} {
		f.Add(s)
	}
	svc := svcModel(f, "s3")
	ops := []string{"listObjectsV2", "getObject", "getBucketTagging", "listBuckets"}
	f.Fuzz(func(t *testing.T, body string) {
		c := For("rest-xml")
		for _, op := range ops {
			_, _ = c.Decode(svc, operation(t, svc, op), &Response{Status: 200, Header: http.Header{}, Body: []byte(body)})
		}
		_, _ = c.Error(svc, &Response{Status: 404, Header: http.Header{}, Body: []byte(body)})
		_ = ExtendedRequestID(&Response{Header: http.Header{}, Body: []byte(body)})
	})
}

// FuzzQueryDecode does the same for the query and ec2 decoders.
func FuzzQueryDecode(f *testing.F) {
	for _, s := range []string{
		`<ReceiveMessageResponse><ReceiveMessageResult><Message><MessageId>1</MessageId><Attribute><Name>a</Name><Value>b</Value></Attribute></Message></ReceiveMessageResult></ReceiveMessageResponse>`,
		`<PublishResponse><PublishResult><MessageId>m</MessageId></PublishResult></PublishResponse>`,
		`<GetTopicAttributesResponse><GetTopicAttributesResult><Attributes><entry><key>k</key><value>v</value></entry></Attributes></GetTopicAttributesResult></GetTopicAttributesResponse>`,
		`<DescribeInstancesResponse><reservationSet><item><instancesSet><item><instanceState><code>x</code></instanceState></item></instancesSet></item></reservationSet></DescribeInstancesResponse>`,
		`<Response><Errors><Error><Code>C</Code><Message>M</Message></Error></Errors></Response>`,
		`<ErrorResponse><Error><Code>AWS.SimpleQueueService.NonExistentQueue</Code></Error></ErrorResponse>`,
	} {
		f.Add(s)
	}
	type target struct{ svc, protocol, op string }
	targets := []target{{"sqs", "query", "receiveMessage"}, {"sns", "query", "publish"}, {"sns", "query", "getTopicAttributes"}, {"ec2", "ec2", "describeInstances"}, {"iam", "query", "listRoles"}}
	svcs := map[string]bool{}
	for _, tg := range targets {
		if !svcs[tg.svc] {
			svcModel(f, tg.svc)
			svcs[tg.svc] = true
		}
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, tg := range targets {
			svc := svcModel(t, tg.svc)
			c := For(tg.protocol)
			_, _ = c.Decode(svc, operation(t, svc, tg.op), &Response{Status: 200, Header: http.Header{}, Body: []byte(body)})
			_, _ = c.Error(svc, &Response{Status: 400, Header: http.Header{}, Body: []byte(body)})
		}
	})
}

// FuzzRestJSONDecode does the same for rest-json.
func FuzzRestJSONDecode(f *testing.F) {
	for _, s := range []string{
		`{"id":"abc","createdDate":1700000000,"endpointConfiguration":{"types":["REGIONAL"]},"tags":{"a":"b"}}`,
		`{"createdDate":"x"}`, `[]`, `{"__type":"a#B","message":"m"}`, `{`,
	} {
		f.Add(s)
	}
	svc := svcModel(f, "apigateway")
	f.Fuzz(func(t *testing.T, body string) {
		c := For("rest-json")
		_, _ = c.Decode(svc, operation(t, svc, "getRestApi"), &Response{Status: 200, Header: http.Header{}, Body: []byte(body)})
		_, _ = c.Error(svc, &Response{Status: 400, Header: http.Header{}, Body: []byte(body)})
	})
}

// FuzzEncode feeds arbitrary parameters to every codec here: a parameter of the wrong shape
// is an error, never a panic.
func FuzzEncode(f *testing.F) {
	for _, s := range []string{
		`{"Bucket":"b","Key":"k","Body":{"a":[1,2]},"Metadata":{"x":"y"}}`,
		`{"Bucket":"b","CreateBucketConfiguration":{"LocationConstraint":"eu-west-1"}}`,
		`{"Filters":[{"Name":"n","Values":["a"]}],"InstanceIds":["i"]}`,
		`{"QueueUrl":"u","MessageBody":"b","MessageAttributes":{"a":{"DataType":"String","StringValue":"v"}}}`,
		`{"FunctionName":"f","Payload":null,"Qualifier":1}`,
		`{"DetectorId":"d","FindingCriteria":{"Criterion":{"s":{"EqualsValue":[1]}}}}`,
		`{"Bucket":"b","Key":"k","IfModifiedSince":"x"}`,
	} {
		f.Add(s)
	}
	type target struct{ svc, protocol, op string }
	targets := []target{{"s3", "rest-xml", "putObject"}, {"s3", "rest-xml", "createBucket"}, {"s3", "rest-xml", "getObject"}, {"ec2", "ec2", "describeInstances"}, {"sqs", "query", "sendMessage"}, {"lambda", "rest-json", "invoke"}, {"guardduty", "rest-json", "listFindings"}, {"route53", "rest-xml", "changeResourceRecordSets"}}
	for _, tg := range targets {
		svcModel(f, tg.svc)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var p map[string]any
		if err := jsonUnmarshalNumber(text, &p); err != nil {
			return
		}
		for _, tg := range targets {
			svc := svcModel(t, tg.svc)
			_, _ = For(tg.protocol).Encode(svc, operation(t, svc, tg.op), p)
		}
	})
}
