package protocol

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"strings"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// What S3 adds to restXml.
//
// Addressing: the model's request URIs are path-style (/{Bucket}/{Key+}), and Encode keeps
// them so: that is what an endpoint URL (MinIO, gofakes3, LocalStack) expects, as the SDKs
// do when an endpoint is set. For AWS's own endpoints the client moves the bucket into the
// host with S3VirtualHosted.

func isS3(svc *model.Service) bool { return svc.Metadata.ServiceID == "S3" }

// S3VirtualHosted turns a path-style S3 request into a virtual-hosted one: the bucket (the
// first path segment) leaves the path and becomes the request's host prefix ("bucket."), so
// that the client sends it to bucket.s3.<region>.amazonaws.com. It leaves the request alone,
// and says false, when the bucket cannot be a host label (upper case, dots, under 3 or over
// 63 characters), as the SDKs fall back to path style then.
func S3VirtualHosted(r *Request) bool {
	rest := strings.TrimPrefix(r.Path, "/")
	bucket, tail, _ := strings.Cut(rest, "/")
	if !validBucketHost(bucket) || r.HostPrefix != "" {
		return false
	}
	r.HostPrefix = bucket + "."
	r.Path = "/" + tail
	return true
}

func validBucketHost(b string) bool {
	if len(b) < 3 || len(b) > 63 || b[0] == '-' || b[len(b)-1] == '-' {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ExtendedRequestID is S3's extended request id (x-amz-id-2, or the error document's
// HostId), which Step Functions quotes in an S3 error's cause.
func ExtendedRequestID(resp *Response) string {
	if id := resp.Header.Get("X-Amz-Id-2"); id != "" {
		return id
	}
	if n, err := parseXML(resp.Body); err == nil {
		if e := n.find("Error"); e != nil {
			return e.textOf("HostId")
		}
	}
	return ""
}

// S3ErrorCode names an S3 error as the AWS SDK for Java names it, which Step Functions
// uses: a HEAD request has no body to carry a code, so a 404 is NotFound on the wire, and the
// SDK reports it as NoSuchKey for HeadObject and NoSuchBucket for HeadBucket.
func S3ErrorCode(op *model.Operation, code string) string {
	if code != "NotFound" {
		return code
	}
	switch op.Name {
	case "HeadObject":
		return "NoSuchKey"
	case "HeadBucket":
		return "NoSuchBucket"
	}
	return code
}

// s3Checksum adds a CRC32 checksum to a request that carries a body to an operation that
// takes flexible checksums (its input has a ChecksumAlgorithm member), unless the state
// machine gave one: the AWS SDKs do so by default since 2025, and S3 then returns
// ChecksumCRC32 and ChecksumType, as recorded for PutObject. It is also what S3 requires of
// DeleteObjects, PutBucketAcl and the other operations that must carry a checksum (their
// httpChecksum trait, which the embedded models do not keep, marks the same operations).
func s3Checksum(svc *model.Service, op *model.Operation, req *Request) {
	if op.Input == nil || req.Body == nil {
		return
	}
	sh := svc.Shape(op.Input.Shape)
	if sh == nil || sh.Members["ChecksumAlgorithm"] == nil {
		return
	}
	for k := range req.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-checksum-") {
			return
		}
	}
	if a := req.Header.Get("X-Amz-Sdk-Checksum-Algorithm"); a != "" && !strings.EqualFold(a, "CRC32") {
		return
	}
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.ChecksumIEEE(req.Body))
	req.Header.Set("X-Amz-Checksum-Crc32", base64.StdEncoding.EncodeToString(sum[:]))
	req.Header.Set("X-Amz-Sdk-Checksum-Algorithm", "CRC32")
}

// ErrorAnswer is an error that came with a success status. S3 answers CopyObject,
// UploadPartCopy and CompleteMultipartUpload with 200 before it knows the outcome, and then
// sends an <Error> document when the operation fails; the SDKs report it as an error answer,
// and so should the client (with errors.As on Decode's error).
type ErrorAnswer struct {
	Code, Message string
}

func (e *ErrorAnswer) Error() string { return e.Code + ": " + e.Message }

// s3ErrorIn200 finds an <Error> document in a successful answer to an S3 operation whose
// output is not an error.
func s3ErrorIn200(body []byte) error {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || !bytes.Contains(b[:min(len(b), 256)], []byte("<Error>")) {
		return nil
	}
	n, err := parseXML(b)
	if err != nil || n.name != "Error" {
		return nil
	}
	return &ErrorAnswer{Code: strings.TrimSpace(n.textOf("Code")), Message: n.textOf("Message")}
}
