package protocol

import (
	"errors"
	"net/http"
	"testing"
)

// TestS3PutObjectChecksum: the CRC32 checksums S3 returned for the recorded PutObject bodies
// (services/test_aws_sdk_task_service, test_s3_put_object[*]) are those of the bytes Encode
// sends, so both the body's serialisation and the checksum match AWS's.
func TestS3PutObjectChecksum(t *testing.T) {
	svc := svcModel(t, "s3")
	op := operation(t, svc, "putObject")
	tests := []struct{ body, crc string }{
		{`"text data"`, "KUmHvQ=="},
		{`{"Dict":"Value"}`, "hnEfWw=="},
		{`["List","Data"]`, "1F2MPA=="},
		{`false`, "K81oMA=="},
		{`0`, "9NvfIQ=="},
	}
	for _, tt := range tests {
		req, err := For("rest-xml").Encode(svc, op, paramsOf(t, `{"Bucket":"bucket-name","Key":"file-key","Body":`+tt.body+`}`))
		if err != nil {
			t.Fatal(err)
		}
		if got := req.Header.Get("X-Amz-Checksum-Crc32"); got != tt.crc {
			t.Errorf("Body %s: x-amz-checksum-crc32 %s, want %s", tt.body, got, tt.crc)
		}
		if req.Method != "PUT" || req.Path != "/bucket-name/file-key" {
			t.Errorf("Body %s: %s %s", tt.body, req.Method, req.Path)
		}
	}
}

func TestRestXMLEncode(t *testing.T) {
	tests := []struct {
		name, svc, action, params string
		method, path, query, body string
		headers                   map[string]string
		hostPrefix                string
	}{
		{
			name: "structure payload with namespace", svc: "s3", action: "createBucket",
			params: `{"Bucket":"b1","CreateBucketConfiguration":{"LocationConstraint":"eu-west-1"},"ACL":"private"}`,
			method: "PUT", path: "/b1",
			body:    `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`,
			headers: map[string]string{"X-Amz-Acl": "private", "Content-Type": "application/xml"},
		},
		{
			name: "request URI query and querystring members", svc: "s3", action: "listObjectsV2",
			params: `{"Bucket":"b1","Prefix":"a b/","MaxKeys":2,"StartAfter":"x"}`,
			method: "GET", path: "/b1", query: "list-type=2&max-keys=2&prefix=a+b%2F&start-after=x",
		},
		{
			name: "greedy label keeps slashes", svc: "s3", action: "getObject",
			params: `{"Bucket":"b1","Key":"dir/a b+c%/é","VersionId":"v1","Range":"bytes=0-1"}`,
			method: "GET", path: "/b1/dir/a%20b%2Bc%25/%C3%A9", query: "versionId=v1",
			headers: map[string]string{"Range": "bytes=0-1"},
		},
		{
			name: "timestamp header as HTTP date", svc: "s3", action: "getObject",
			params: `{"Bucket":"b1","Key":"k","IfModifiedSince":"2024-03-01T10:20:30Z"}`,
			method: "GET", path: "/b1/k",
			headers: map[string]string{"If-Modified-Since": "Fri, 01 Mar 2024 10:20:30 GMT"},
		},
		{
			name: "metadata headers", svc: "s3", action: "putObject",
			params: `{"Bucket":"b1","Key":"k","Metadata":{"color":"blue"},"Body":"x"}`,
			method: "PUT", path: "/b1/k", body: `"x"`,
			headers: map[string]string{"X-Amz-Meta-Color": "blue"},
		},
		{
			name: "input root with namespace, lists", svc: "route53", action: "changeTagsForResource",
			params: `{"ResourceType":"hostedzone","ResourceId":"Z1","AddTags":[{"Key":"a","Value":"1"}],"RemoveTagKeys":["b","c"]}`,
			method: "POST", path: "/2013-04-01/tags/hostedzone/Z1",
			body: `<ChangeTagsForResourceRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><AddTags><Tag><Key>a</Key><Value>1</Value></Tag></AddTags><RemoveTagKeys><Key>b</Key><Key>c</Key></RemoveTagKeys></ChangeTagsForResourceRequest>`,
		},
		{
			// S3 API Reference, PutBucketAcl: a Grantee carries xsi:type with its namespace.
			name: "xml attribute with a namespace prefix", svc: "s3", action: "putBucketAcl",
			params: `{"Bucket":"b1","AccessControlPolicy":{"Owner":{"ID":"o1"},"Grants":[{"Grantee":{"Type":"CanonicalUser","ID":"id1"},"Permission":"READ"}]}}`,
			method: "PUT", path: "/b1", query: "acl=",
			body:    `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>id1</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList><Owner><ID>o1</ID></Owner></AccessControlPolicy>`,
			headers: map[string]string{"X-Amz-Checksum-Crc32": "", "X-Amz-Sdk-Checksum-Algorithm": "CRC32"},
		},
		{
			// CloudFront API Reference, CreateInvalidation: a payload structure with the
			// service's namespace, a list of Path items.
			name: "cloudfront payload", svc: "cloudfront", action: "createInvalidation",
			params: `{"DistributionId":"EDFDVBD6EXAMPLE","InvalidationBatch":{"Paths":{"Quantity":2,"Items":["/a","/b c"]},"CallerReference":"ref-1"}}`,
			method: "POST", path: "/2020-05-31/distribution/EDFDVBD6EXAMPLE/invalidation",
			body:    `<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Paths><Quantity>2</Quantity><Items><Path>/a</Path><Path>/b c</Path></Items></Paths><CallerReference>ref-1</CallerReference></InvalidationBatch>`,
			headers: map[string]string{"Content-Type": "application/xml"},
		},
		{
			name: "host label", svc: "s3control", action: "getPublicAccessBlock",
			params: `{"AccountId":"123456789012"}`,
			method: "GET", path: "/v20180820/configuration/publicAccessBlock",
			headers:    map[string]string{"X-Amz-Account-Id": "123456789012"},
			hostPrefix: "123456789012.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := svcModel(t, tt.svc)
			req, err := For(svc.Metadata.Protocol).Encode(svc, operation(t, svc, tt.action), paramsOf(t, tt.params))
			if err != nil {
				t.Fatal(err)
			}
			if req.Method != tt.method || req.Path != tt.path || req.Query.Encode() != tt.query {
				t.Errorf("request %s %s ? %s, want %s %s ? %s", req.Method, req.Path, req.Query.Encode(), tt.method, tt.path, tt.query)
			}
			if string(req.Body) != tt.body {
				t.Errorf("body\n%s\nwant\n%s", req.Body, tt.body)
			}
			for k, v := range tt.headers {
				if got := req.Header.Get(k); got != v && !(v == "" && got != "") {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if req.HostPrefix != tt.hostPrefix {
				t.Errorf("host prefix %q, want %q", req.HostPrefix, tt.hostPrefix)
			}
		})
	}
}

func TestRestXMLEncodeRefuses(t *testing.T) {
	svc := svcModel(t, "s3")
	tests := []struct{ action, params, want string }{
		{"getObject", `{"Bucket":"b","Key":"k","Nope":1}`, "The field Nope is not supported by Step Functions"},
		{"getObject", `{"Bucket":"b"}`, "Key: is required"},
		{"listObjectsV2", `{"Bucket":"b","MaxKeys":"2"}`, "MaxKeys: expected an integer, got a string"},
		{"listObjectsV2", `{"Bucket":"b","MaxKeys":2.5}`, "MaxKeys: 2.5 is not an integer"},
		{"putObject", `{"Bucket":"b","Key":"k","Metadata":["x"]}`, "Metadata: expected an object, got an array"},
		{"createBucket", `{"Bucket":"b","CreateBucketConfiguration":{"Nope":1}}`, "CreateBucketConfiguration: The field Nope is not supported by Step Functions"},
	}
	for _, tt := range tests {
		_, err := For("rest-xml").Encode(svc, operation(t, svc, tt.action), paramsOf(t, tt.params))
		var ip *InvalidParameter
		if !errors.As(err, &ip) || err.Error() != tt.want {
			t.Errorf("%s %s: %v, want InvalidParameter %q", tt.action, tt.params, err, tt.want)
		}
	}
}

func TestS3VirtualHosted(t *testing.T) {
	tests := []struct{ path, prefix, newPath string }{
		{"/my-bucket/a/b", "my-bucket.", "/a/b"},
		{"/my-bucket", "my-bucket.", "/"},
		{"/My_Bucket/a", "", "/My_Bucket/a"},
		{"/my.bucket/a", "", "/my.bucket/a"},
	}
	for _, tt := range tests {
		r := &Request{Path: tt.path}
		ok := S3VirtualHosted(r)
		if ok != (tt.prefix != "") || r.HostPrefix != tt.prefix || r.Path != tt.newPath {
			t.Errorf("%s: %v %q %q", tt.path, ok, r.HostPrefix, r.Path)
		}
	}
}

func TestRestXMLDecodeRootMember(t *testing.T) {
	svc := svcModel(t, "s3")
	out, err := For("rest-xml").Decode(svc, operation(t, svc, "getBucketLocation"), &Response{Status: 200, Header: http.Header{}, Body: []byte(`<?xml version="1.0" encoding="UTF-8"?>
<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">eu-west-1</LocationConstraint>`)})
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonText(out); got != `{"LocationConstraint":"eu-west-1"}` {
		t.Errorf("getBucketLocation = %s", got)
	}
	out, err = For("rest-xml").Decode(svc, operation(t, svc, "getBucketTagging"), &Response{Status: 200, Header: http.Header{}, Body: []byte(`<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`)})
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonText(out); got != `{"TagSet":[{"Key":"k","Value":"v"}]}` {
		t.Errorf("getBucketTagging = %s", got)
	}
	// An attribute with a namespace prefix (xsi:type), lists named by their items.
	out, err = For("rest-xml").Decode(svc, operation(t, svc, "getBucketAcl"), &Response{Status: 200, Header: http.Header{}, Body: []byte(`<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>id</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`)})
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonText(out); got != `{"Grants":[{"Grantee":{"ID":"id","Type":"CanonicalUser"},"Permission":"FULL_CONTROL"}],"Owner":{"ID":"o"}}` {
		t.Errorf("getBucketAcl = %s", got)
	}
}

// TestRestDecodeBadHeader: a header that does not parse as its type (PartsCount is an
// integer) is left out.
func TestRestDecodeBadHeader(t *testing.T) {
	svc := svcModel(t, "s3")
	h := http.Header{}
	h.Set("X-Amz-Mp-Parts-Count", "many")
	h.Set("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT")
	h.Set("Content-Length", "2")
	out, err := For("rest-xml").Decode(svc, operation(t, svc, "getObject"), &Response{Status: 200, Header: h, Body: []byte("ab")})
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonText(out); got != `{"Body":"ab","ContentLength":2,"LastModified":"2015-10-21T07:28:00Z","Metadata":{}}` {
		t.Errorf("getObject = %s", got)
	}
}

// TestS3ErrorIn200: CopyObject's 200 answer with an <Error> document is an error.
func TestS3ErrorIn200(t *testing.T) {
	svc := svcModel(t, "s3")
	_, err := For("rest-xml").Decode(svc, operation(t, svc, "copyObject"), &Response{Status: 200, Header: http.Header{}, Body: []byte(`<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>r</RequestId><HostId>h</HostId></Error>`)})
	var ea *ErrorAnswer
	if !errors.As(err, &ea) || ea.Code != "InternalError" || ea.Message != "We encountered an internal error. Please try again." {
		t.Errorf("copyObject: %v, want an ErrorAnswer", err)
	}
	out, err := For("rest-xml").Decode(svc, operation(t, svc, "copyObject"), &Response{Status: 200, Header: http.Header{}, Body: []byte(`<CopyObjectResult><ETag>"e"</ETag><LastModified>2024-01-01T00:00:00.000Z</LastModified></CopyObjectResult>`)})
	if err != nil || jsonText(out) != `{"CopyObjectResult":{"ETag":"\"e\"","LastModified":"2024-01-01T00:00:00Z"}}` {
		t.Errorf("copyObject = %s, %v", jsonText(out), err)
	}
	// An object that holds an error document is data.
	out, err = For("rest-xml").Decode(svc, operation(t, svc, "getObject"), &Response{Status: 200, Header: http.Header{}, Body: []byte(`<Error><Code>X</Code></Error>`)})
	if err != nil || out.(map[string]any)["Body"] != `<Error><Code>X</Code></Error>` {
		t.Errorf("getObject = %v, %v", out, err)
	}
}
