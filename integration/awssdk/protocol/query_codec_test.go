package protocol

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

// TestQueryEncode checks forms against the query forms AWS documents for these actions.
func TestQueryEncode(t *testing.T) {
	tests := []struct {
		name, svc, protocol, action, params, form string
	}{
		{
			// Amazon EC2 API Reference, DescribeInstances, example "describe instances
			// with a filter": Filter.1.Name=instance-type&Filter.1.Value.1=m1.small&...
			name: "ec2 filters and ids", svc: "ec2", protocol: "ec2", action: "describeInstances",
			params: `{"Filters":[{"Name":"instance-type","Values":["m1.small","m1.large"]}],"InstanceIds":["i-1","i-2"],"DryRun":false,"MaxResults":5}`,
			form:   "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-type&Filter.1.Value.1=m1.small&Filter.1.Value.2=m1.large&InstanceId.1=i-1&InstanceId.2=i-2&DryRun=false&MaxResults=5",
		},
		{
			// Amazon SQS API Reference (query), SendMessage example: MessageAttribute.1.Name,
			// MessageAttribute.1.Value.StringValue, MessageAttribute.1.Value.DataType.
			name: "sqs from its json model", svc: "sqs", protocol: "query", action: "sendMessage",
			params: `{"QueueUrl":"http://q/1/q","MessageBody":"This is a test message","DelaySeconds":5,"MessageAttributes":{"my_attribute_name_1":{"DataType":"String","StringValue":"my_attribute_value_1"},"my_attribute_name_2":{"DataType":"String.list","StringListValues":["a","b"]}}}`,
			form:   "Action=SendMessage&Version=2012-11-05&QueueUrl=http://q/1/q&MessageBody=This is a test message&DelaySeconds=5&MessageAttribute.1.Name=my_attribute_name_1&MessageAttribute.1.Value.StringValue=my_attribute_value_1&MessageAttribute.1.Value.DataType=String&MessageAttribute.2.Name=my_attribute_name_2&MessageAttribute.2.Value.StringListValue.1=a&MessageAttribute.2.Value.StringListValue.2=b&MessageAttribute.2.Value.DataType=String.list",
		},
		{
			name: "sqs flattened list and attribute map", svc: "sqs", protocol: "query", action: "receiveMessage",
			params: `{"QueueUrl":"u","AttributeNames":["All"],"MessageAttributeNames":["a","b"],"MaxNumberOfMessages":10}`,
			form:   "Action=ReceiveMessage&Version=2012-11-05&QueueUrl=u&AttributeName.1=All&MessageAttributeName.1=a&MessageAttributeName.2=b&MaxNumberOfMessages=10",
		},
		{
			// IAM: lists as member.N, an empty list as the bare name.
			name: "query member lists", svc: "iam", protocol: "query", action: "createRole",
			params: `{"RoleName":"r","AssumeRolePolicyDocument":"{}","Tags":[{"Key":"k","Value":"v"}]}`,
			form:   "Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument={}&Tags.member.1.Key=k&Tags.member.1.Value=v",
		},
		{
			name: "nested structures", svc: "ec2", protocol: "ec2", action: "createNetworkInsightsPath",
			params: `{"Source":"s","Protocol":"tcp","ClientToken":"t","FilterAtSource":{"SourcePortRange":{"FromPort":1,"ToPort":2}}}`,
			form:   "Action=CreateNetworkInsightsPath&Version=2016-11-15&Source=s&Protocol=tcp&ClientToken=t&FilterAtSource.SourcePortRange.FromPort=1&FilterAtSource.SourcePortRange.ToPort=2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := svcModel(t, tt.svc)
			req, err := For(tt.protocol).Encode(svc, operation(t, svc, tt.action), paramsOf(t, tt.params))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := url.ParseQuery(string(req.Body))
			want := url.Values{}
			for _, kv := range splitAmp(tt.form) {
				k, v, _ := cut(kv)
				want.Add(k, v)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("form\n%v\nwant\n%v", got, want)
			}
			if req.Method != "POST" || req.Path != "/" || req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
				t.Errorf("request %s %s %v", req.Method, req.Path, req.Header)
			}
		})
	}
}

func splitAmp(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '&' {
			i++
		}
		out = append(out, s[:i])
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return out
}

func cut(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// TestQueryDecode decodes responses as AWS documents them.
func TestQueryDecode(t *testing.T) {
	tests := []struct {
		name, svc, protocol, action, body, want string
	}{
		{
			name: "ec2 without a wrapper, item lists", svc: "ec2", protocol: "ec2", action: "describeInstances",
			body: `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet><item>
    <reservationId>r-1234567890abcdef0</reservationId><ownerId>123456789012</ownerId><groupSet/>
    <instancesSet><item>
      <instanceId>i-1234567890abcdef0</instanceId><imageId>ami-bff32ccc</imageId>
      <instanceState><code>16</code><name>running</name></instanceState>
      <launchTime>2018-05-08T16:46:19.000Z</launchTime>
      <tagSet><item><key>Name</key><value>web</value></item></tagSet>
      <ebsOptimized>false</ebsOptimized>
    </item></instancesSet>
  </item></reservationSet>
</DescribeInstancesResponse>`,
			want: `{"Reservations":[{"Groups":[],"Instances":[{"EbsOptimized":false,"ImageId":"ami-bff32ccc","InstanceId":"i-1234567890abcdef0","LaunchTime":"2018-05-08T16:46:19Z","State":{"Code":16,"Name":"running"},"Tags":[{"Key":"Name","Value":"web"}]}],"OwnerId":"123456789012","ReservationId":"r-1234567890abcdef0"}]}`,
		},
		{
			name: "sqs from its json model: flattened messages and maps", svc: "sqs", protocol: "query", action: "receiveMessage",
			body: `<ReceiveMessageResponse><ReceiveMessageResult><Message>
  <MessageId>5fea7756</MessageId><ReceiptHandle>MbZj6wDWli</ReceiptHandle><MD5OfBody>fafb00f5</MD5OfBody><Body>This is a test message</Body>
  <Attribute><Name>SenderId</Name><Value>195004372649</Value></Attribute>
  <Attribute><Name>SentTimestamp</Name><Value>1238099229000</Value></Attribute>
  <MessageAttribute><Name>color</Name><Value><StringValue>blue</StringValue><DataType>String</DataType></Value></MessageAttribute>
</Message></ReceiveMessageResult><ResponseMetadata><RequestId>b6633655</RequestId></ResponseMetadata></ReceiveMessageResponse>`,
			want: `{"Messages":[{"Attributes":{"SenderId":"195004372649","SentTimestamp":"1238099229000"},"Body":"This is a test message","MD5OfBody":"fafb00f5","MessageAttributes":{"color":{"DataType":"String","StringValue":"blue"}},"MessageId":"5fea7756","ReceiptHandle":"MbZj6wDWli"}]}`,
		},
		{
			name: "query: member lists, timestamps", svc: "iam", protocol: "query", action: "listRoles",
			body: `<ListRolesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListRolesResult><IsTruncated>false</IsTruncated><Roles>
<member><Path>/</Path><RoleName>r</RoleName><RoleId>AROA</RoleId><Arn>arn:aws:iam::123456789012:role/r</Arn><CreateDate>2012-05-09T15:45:35Z</CreateDate><MaxSessionDuration>3600</MaxSessionDuration></member>
</Roles></ListRolesResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></ListRolesResponse>`,
			want: `{"IsTruncated":false,"Roles":[{"Arn":"arn:aws:iam::123456789012:role/r","CreateDate":"2012-05-09T15:45:35Z","MaxSessionDuration":3600,"Path":"/","RoleId":"AROA","RoleName":"r"}]}`,
		},
		{
			name: "query: entry maps", svc: "sns", protocol: "query", action: "getTopicAttributes",
			body: `<GetTopicAttributesResponse><GetTopicAttributesResult><Attributes><entry><key>Owner</key><value>123456789012</value></entry><entry><key>DisplayName</key><value>T</value></entry></Attributes></GetTopicAttributesResult></GetTopicAttributesResponse>`,
			want: `{"Attributes":{"DisplayName":"T","Owner":"123456789012"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := svcModel(t, tt.svc)
			v, err := For(tt.protocol).Decode(svc, operation(t, svc, tt.action), &Response{Status: 200, Header: http.Header{}, Body: []byte(tt.body)})
			if err != nil {
				t.Fatal(err)
			}
			if got := jsonText(v); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestQueryError(t *testing.T) {
	tests := []struct {
		svc, protocol, body, code, msg string
	}{
		{"ec2", "ec2", `<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-1a2b3c4d' does not exist</Message></Error></Errors><RequestID>ea966190</RequestID></Response>`, "InvalidInstanceID.NotFound", "The instance ID 'i-1a2b3c4d' does not exist"},
		{"sns", "query", `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>x</RequestId></ErrorResponse>`, "NotFoundException", "Topic does not exist"},
		{"sqs", "query", `<ErrorResponse><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist.</Message></Error></ErrorResponse>`, "QueueDoesNotExist", "The specified queue does not exist."},
		{"sts", "query", `<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>`, "Throttling", "Rate exceeded"},
		{"sts", "query", ``, "ServiceUnavailable", ""},
	}
	for _, tt := range tests {
		svc := svcModel(t, tt.svc)
		status := 400
		if tt.body == "" {
			status = 503
		}
		code, msg := For(tt.protocol).Error(svc, &Response{Status: status, Header: http.Header{}, Body: []byte(tt.body)})
		if code != tt.code || msg != tt.msg {
			t.Errorf("%s %s: %q %q, want %q %q", tt.svc, tt.body, code, msg, tt.code, tt.msg)
		}
	}
}

// TestQueryEncodeRefuses: a list's wire name is not a Step Functions name (AWS: "The field
// Filter is not supported by Step Functions.").
func TestQueryEncodeRefuses(t *testing.T) {
	svc := svcModel(t, "ec2")
	_, err := For("ec2").Encode(svc, operation(t, svc, "describeInstances"), paramsOf(t, `{"Filter":[{"Name":"n","Values":["v"]}]}`))
	if err == nil || err.Error() != "The field Filter is not supported by Step Functions" {
		t.Errorf("Filter: %v", err)
	}
	_, err = For("ec2").Encode(svc, operation(t, svc, "describeInstances"), paramsOf(t, `{"Filters":[{"Name":"n","Value":["v"]}]}`))
	if err == nil || err.Error() != "Filters[0]: The field Value is not supported by Step Functions" {
		t.Errorf("Value: %v", err)
	}
}

// TestIdempotencyToken: a token the parameters leave out is filled, one given is kept.
func TestIdempotencyToken(t *testing.T) {
	ec2 := svcModel(t, "ec2")
	req, err := For("ec2").Encode(ec2, operation(t, ec2, "runInstances"), paramsOf(t, `{"ImageId":"ami-1","MinCount":1,"MaxCount":1}`))
	if err != nil {
		t.Fatal(err)
	}
	form, _ := url.ParseQuery(string(req.Body))
	if tok := form.Get("ClientToken"); len(tok) != 36 {
		t.Errorf("ClientToken %q, want a UUID", tok)
	}
	req, _ = For("ec2").Encode(ec2, operation(t, ec2, "runInstances"), paramsOf(t, `{"ImageId":"ami-1","MinCount":1,"MaxCount":1,"ClientToken":"mine"}`))
	if form, _ := url.ParseQuery(string(req.Body)); form.Get("ClientToken") != "mine" {
		t.Errorf("ClientToken %q, want mine", form.Get("ClientToken"))
	}
	eks := svcModel(t, "eks")
	req, err = For("rest-json").Encode(eks, operation(t, eks, "createCluster"), paramsOf(t, `{"Name":"c","RoleArn":"r","ResourcesVpcConfig":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal(req.Body, &body); err != nil || len(fmt.Sprint(body["clientRequestToken"])) != 36 {
		t.Errorf("clientRequestToken in %s, want a UUID", req.Body)
	}
}
