package testsuite

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The REST side of memS3: the S3 API, answered in process, for a test's aws-sdk:s3 tasks, so
// that a file's s3: serves them as it serves its Distributed Maps. The task goes through the
// same model-driven client as in an execution (integration/awssdk), whose InProcess hook
// hands the request here (InProcess); its result is therefore the one a real S3's answer
// gives. The calls served are those state machines make of their buckets: ListBuckets,
// CreateBucket, HeadBucket, DeleteBucket, ListObjectsV2, ListObjects, PutObject (with its
// tags), GetObject (with a Range), HeadObject, CopyObject, DeleteObject, DeleteObjects,
// PutObjectTagging, GetObjectTagging, DeleteObjectTagging. Another call is answered
// NotImplemented, never sent to S3.

// memS3Key carries a test's memS3 in its tasks' contexts.
type memS3Key struct{}

// InProcess is the awssdk.Options.InProcess of `stepwise test`: a test's S3 calls (its tasks
// carry the file's s3: in their context) are answered by that in-memory S3; nil otherwise.
func InProcess(service string, req *http.Request) http.Handler {
	if service != "s3" {
		return nil
	}
	if m, ok := req.Context().Value(memS3Key{}).(*memS3); ok {
		return m
	}
	return nil
}

// withS3 gives a task's context the test's in-memory S3.
func withS3(ctx context.Context, m *memS3) context.Context {
	return context.WithValue(ctx, memS3Key{}, m)
}

// objectMeta is what S3 keeps of an object beside its bytes.
type objectMeta struct {
	contentType string
	metadata    map[string]string // x-amz-meta-*, by lower-case name
	tags        []s3Tag           // in the order they were given
}

// s3Tag is an object's tag.
type s3Tag struct {
	Key   string
	Value string
}

// s3Error is an S3 error answer.
type s3Error struct {
	status        int
	code, message string
}

var (
	errNoSuchBucket = &s3Error{http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist"}
	errNoSuchKey    = &s3Error{http.StatusNotFound, "NoSuchKey", "The specified key does not exist."}
)

func (m *memS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bucket, key := s3Address(r)
	q := r.URL.Query()
	var err *s3Error
	switch {
	case bucket == "" && r.Method == http.MethodGet:
		m.listBuckets(w)
	case key == "" && r.Method == http.MethodPut && len(q) == 0:
		err = m.createBucket(w, r, bucket)
	case key == "" && r.Method == http.MethodHead:
		err = m.headBucket(bucket)
	case key == "" && r.Method == http.MethodDelete && len(q) == 0:
		err = m.deleteBucket(w, bucket)
	case key == "" && r.Method == http.MethodGet && q.Get("list-type") == "2":
		err = m.list(w, bucket, q, true)
	case key == "" && r.Method == http.MethodGet && !q.Has("list-type") && onlyListParams(q):
		err = m.list(w, bucket, q, false)
	case key == "" && r.Method == http.MethodPost && q.Has("delete") && len(q) == 1:
		err = m.deleteObjects(w, r, bucket)
	case key != "" && r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "" && len(q) == 0:
		err = m.copyObject(w, r, bucket, key)
	case key != "" && r.Method == http.MethodPut && len(q) == 0:
		err = m.putObject(w, r, bucket, key)
	case key != "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) && len(q) == 0:
		err = m.getObject(w, r, bucket, key)
	case key != "" && r.Method == http.MethodDelete && len(q) == 0:
		err = m.deleteObject(w, bucket, key)
	case key != "" && q.Has("tagging") && len(q) == 1:
		err = m.tagging(w, r, bucket, key)
	default:
		err = &s3Error{http.StatusNotImplemented, "NotImplemented",
			fmt.Sprintf("Stepwise's in-memory S3 (a test file's s3:) does not serve %s %s?%s: mock the state", r.Method, r.URL.Path, r.URL.RawQuery)}
	}
	if err == nil {
		return
	}
	w.Header().Set("X-Amz-Request-Id", "stepwise")
	if r.Method == http.MethodHead {
		w.WriteHeader(err.status) // S3 answers HEAD without a body: the status says it
		return
	}
	writeXML(w, err.status, struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string
		Message   string
		RequestID string `xml:"RequestId"`
	}{Code: err.code, Message: err.message, RequestID: "stepwise"})
}

// writeXML answers with an XML document.
func writeXML(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	_ = xml.NewEncoder(&b).Encode(v)
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// onlyListParams tells whether a bucket's GET is ListObjects (v1), not one of the bucket's
// subresources (?location, ?versioning, ...), which are not served.
func onlyListParams(q url.Values) bool {
	for k := range q {
		switch k {
		case "prefix", "delimiter", "marker", "max-keys", "encoding-type":
		default:
			return false
		}
	}
	return true
}

// s3Address reads the bucket and key of a request, addressed by host (bucket.s3.REGION.
// amazonaws.com/key, as the client addresses AWS's S3) or by path (/bucket/key, at a
// configured endpoint).
func s3Address(r *http.Request) (bucket, key string) {
	host := r.URL.Host
	if host == "" {
		host = r.Host
	}
	host, _, _ = strings.Cut(host, ":")
	if b, rest, ok := strings.Cut(host, "."); ok && strings.HasPrefix(rest, "s3.") && strings.Contains(rest, ".amazonaws.com") {
		return b, strings.TrimPrefix(r.URL.Path, "/")
	}
	bucket, key, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return bucket, key
}

// createBucket makes a bucket. Making one that is there already is BucketAlreadyOwnedByYou,
// except in us-east-1 (a request without a LocationConstraint), where S3 answers 200 OK, as
// its documentation says it does for legacy compatibility.
func (m *memS3) createBucket(w http.ResponseWriter, r *http.Request, bucket string) *s3Error {
	body, _ := io.ReadAll(r.Body)
	var cfg struct{ LocationConstraint string }
	_ = xml.Unmarshal(body, &cfg)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.buckets[bucket]; ok {
		if cfg.LocationConstraint == "" || cfg.LocationConstraint == "us-east-1" {
			w.Header().Set("Location", "/"+bucket)
			return nil
		}
		return &s3Error{http.StatusConflict, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it."}
	}
	m.buckets[bucket] = map[string][]byte{}
	w.Header().Set("Location", "/"+bucket)
	return nil
}

func (m *memS3) headBucket(bucket string) *s3Error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.buckets[bucket]; !ok {
		return errNoSuchBucket
	}
	return nil
}

func (m *memS3) deleteBucket(w http.ResponseWriter, bucket string) *s3Error {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys, ok := m.buckets[bucket]
	switch {
	case !ok:
		return errNoSuchBucket
	case len(keys) > 0:
		return &s3Error{http.StatusConflict, "BucketNotEmpty", "The bucket you tried to delete is not empty"}
	}
	delete(m.buckets, bucket)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// list answers ListObjectsV2 (v2) and ListObjects, with CommonPrefixes for a delimiter.
func (m *memS3) list(w http.ResponseWriter, bucket string, q url.Values, v2 bool) *s3Error {
	maxKeys := 1000
	if s := q.Get("max-keys"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return &s3Error{http.StatusBadRequest, "InvalidArgument", "Provided max-keys not an integer or within integer range"}
		}
		maxKeys = min(n, 1000)
	}
	prefix, delim := q.Get("prefix"), q.Get("delimiter")
	after := q.Get("marker")
	if v2 {
		after = q.Get("start-after")
		if t := q.Get("continuation-token"); t != "" {
			after = t
		}
	}
	type content struct {
		Key          string
		LastModified string
		ETag         string
		Size         int64
		StorageClass string
	}
	type commonPrefix struct{ Prefix string }
	out := struct {
		XMLName               xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
		Name                  string
		Prefix                string
		Marker                *string `xml:",omitempty"` // v1
		NextMarker            string  `xml:",omitempty"` // v1, with a delimiter
		Delimiter             string  `xml:",omitempty"`
		MaxKeys               int
		KeyCount              *int `xml:",omitempty"` // v2
		IsTruncated           bool
		ContinuationToken     string `xml:",omitempty"`
		NextContinuationToken string `xml:",omitempty"`
		StartAfter            string `xml:",omitempty"`
		Contents              []content
		CommonPrefixes        []commonPrefix
	}{Name: bucket, Prefix: prefix, Delimiter: delim, MaxKeys: maxKeys}
	count := 0
	if v2 {
		out.KeyCount, out.ContinuationToken, out.StartAfter = &count, q.Get("continuation-token"), q.Get("start-after")
	} else {
		marker := q.Get("marker")
		out.Marker = &marker
	}
	m.mu.Lock()
	keys, ok := m.buckets[bucket]
	if !ok {
		m.mu.Unlock()
		return errNoSuchBucket
	}
	seen := map[string]bool{}
	last := ""
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		rest, under := strings.CutPrefix(k, prefix)
		if !under || k <= after {
			continue
		}
		entry := k
		if delim != "" {
			if i := strings.Index(rest, delim); i >= 0 {
				entry = prefix + rest[:i+len(delim)]
				if seen[entry] || entry <= after {
					continue
				}
			}
		}
		if count == maxKeys {
			// More to list; with max-keys 0 there is no page to go on from, as on S3.
			out.IsTruncated = maxKeys > 0
			if out.IsTruncated && v2 {
				out.NextContinuationToken = last
			} else if out.IsTruncated && delim != "" {
				out.NextMarker = last
			}
			break
		}
		count++
		if entry != k {
			seen[entry] = true
			out.CommonPrefixes = append(out.CommonPrefixes, commonPrefix{entry})
			last = entry
			continue
		}
		out.Contents = append(out.Contents, content{Key: k, LastModified: m.at.UTC().Format("2006-01-02T15:04:05.000Z"),
			ETag: etag(keys[k]), Size: int64(len(keys[k])), StorageClass: "STANDARD"})
		last = k
	}
	m.mu.Unlock()
	writeXML(w, http.StatusOK, out)
	return nil
}

func (m *memS3) putObject(w http.ResponseWriter, r *http.Request, bucket, key string) *s3Error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return &s3Error{http.StatusBadRequest, "IncompleteBody", "The request body could not be read"}
	}
	meta := objectMeta{contentType: r.Header.Get("Content-Type"), metadata: map[string]string{}}
	for name, vs := range r.Header {
		if k, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-meta-"); ok && len(vs) > 0 {
			meta.metadata[k] = vs[0]
		}
	}
	var bad *s3Error
	if meta.tags, bad = headerTags(r.Header.Get("X-Amz-Tagging")); bad != nil {
		return bad
	}
	if err := m.store(bucket, key, body, meta); err != nil {
		return err
	}
	w.Header().Set("ETag", etag(body))
	w.Header().Set("X-Amz-Server-Side-Encryption", "AES256")
	if sum := r.Header.Get("X-Amz-Checksum-Crc32"); sum != "" {
		// S3 checks the checksum the SDK sent and answers with it (recorded: ChecksumCRC32,
		// ChecksumType FULL_OBJECT); the client computed it from these same bytes.
		w.Header().Set("X-Amz-Checksum-Crc32", sum)
		w.Header().Set("X-Amz-Checksum-Type", "FULL_OBJECT")
	}
	return nil
}

func (m *memS3) copyObject(w http.ResponseWriter, r *http.Request, bucket, key string) *s3Error {
	src := strings.TrimPrefix(r.Header.Get("X-Amz-Copy-Source"), "/")
	if u, err := url.PathUnescape(src); err == nil {
		src = u
	}
	srcBucket, srcKey, _ := strings.Cut(src, "/")
	body, meta, err := m.object(srcBucket, srcKey)
	if err != nil {
		return err
	}
	if r.Header.Get("X-Amz-Tagging-Directive") == "REPLACE" { // else COPY, S3's default
		if meta.tags, err = headerTags(r.Header.Get("X-Amz-Tagging")); err != nil {
			return err
		}
	}
	if err := m.store(bucket, key, body, meta); err != nil {
		return err
	}
	w.Header().Set("X-Amz-Server-Side-Encryption", "AES256")
	writeXML(w, http.StatusOK, struct {
		XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyObjectResult"`
		LastModified string
		ETag         string
	}{LastModified: m.at.UTC().Format("2006-01-02T15:04:05.000Z"), ETag: etag(body)})
	return nil
}

// store keeps an object and what S3 keeps of it.
func (m *memS3) store(bucket, key string, body []byte, meta objectMeta) *s3Error {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys, ok := m.buckets[bucket]
	if !ok {
		return errNoSuchBucket
	}
	keys[key] = bytes.Clone(body)
	if m.meta == nil {
		m.meta = map[string]objectMeta{}
	}
	m.meta[bucket+"/"+key] = meta
	return nil
}

// object is an object's bytes and what S3 keeps of it, or NoSuchBucket or NoSuchKey.
func (m *memS3) object(bucket, key string) ([]byte, objectMeta, *s3Error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys, ok := m.buckets[bucket]
	if !ok {
		return nil, objectMeta{}, errNoSuchBucket
	}
	body, found := keys[key]
	if !found {
		return nil, objectMeta{}, errNoSuchKey
	}
	return body, m.metaOf(bucket, key), nil
}

// metaOf is what S3 keeps of an object; an object of the file's s3: has S3's default
// content type. The caller holds m.mu.
func (m *memS3) metaOf(bucket, key string) objectMeta {
	if meta, ok := m.meta[bucket+"/"+key]; ok {
		return meta
	}
	return objectMeta{}
}

func (m *memS3) getObject(w http.ResponseWriter, r *http.Request, bucket, key string) *s3Error {
	body, meta, err := m.object(bucket, key)
	switch {
	case err == errNoSuchKey && r.Method == http.MethodHead:
		return &s3Error{http.StatusNotFound, "NotFound", "Not Found"}
	case err != nil:
		return err
	}
	h := w.Header()
	h.Set("Accept-Ranges", "bytes")
	ct := meta.contentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("ETag", etag(body))
	h.Set("Last-Modified", m.at.UTC().Format(http.TimeFormat))
	h.Set("X-Amz-Server-Side-Encryption", "AES256")
	for k, v := range meta.metadata {
		h.Set("X-Amz-Meta-"+k, v)
	}
	if len(meta.tags) > 0 && r.Method == http.MethodGet {
		h.Set("X-Amz-Tagging-Count", strconv.Itoa(len(meta.tags)))
	}
	status := http.StatusOK
	if rg := r.Header.Get("Range"); rg != "" && r.Method == http.MethodGet {
		start, end, ok := byteRange(rg, int64(len(body)))
		if !ok {
			return &s3Error{http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable"}
		}
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end-1, len(body)))
		body, status = body[start:end], http.StatusPartialContent
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method == http.MethodGet {
		w.Write(body)
	}
	return nil
}

// listBuckets answers ListBuckets: every bucket, by name, made when the test started.
func (m *memS3) listBuckets(w http.ResponseWriter) {
	m.mu.Lock()
	names := slices.Sorted(maps.Keys(m.buckets))
	m.mu.Unlock()
	type bucket struct {
		Name         string
		CreationDate string
	}
	out := struct {
		XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListAllMyBucketsResult"`
		Owner   struct{ ID string }
		Buckets []bucket `xml:"Buckets>Bucket"`
	}{}
	out.Owner.ID = "stepwise"
	for _, n := range names {
		out.Buckets = append(out.Buckets, bucket{n, m.at.UTC().Format("2006-01-02T15:04:05.000Z")})
	}
	writeXML(w, http.StatusOK, out)
}

// tagging answers PutObjectTagging, GetObjectTagging and DeleteObjectTagging.
func (m *memS3) tagging(w http.ResponseWriter, r *http.Request, bucket, key string) *s3Error {
	var tags []s3Tag
	switch r.Method {
	case http.MethodGet:
		_, meta, err := m.object(bucket, key)
		if err != nil {
			return err
		}
		writeXML(w, http.StatusOK, struct {
			XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ Tagging"`
			TagSet  []s3Tag  `xml:"TagSet>Tag"`
		}{TagSet: meta.tags})
		return nil
	case http.MethodPut:
		var in struct {
			TagSet []s3Tag `xml:"TagSet>Tag"`
		}
		if xml.NewDecoder(r.Body).Decode(&in) != nil {
			return &s3Error{http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"}
		}
		if err := checkTags(in.TagSet); err != nil {
			return err
		}
		tags = in.TagSet
	case http.MethodDelete:
	default:
		return &s3Error{http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource."}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.buckets[bucket]; !ok {
		return errNoSuchBucket
	}
	if _, ok := m.buckets[bucket][key]; !ok {
		return errNoSuchKey
	}
	meta := m.metaOf(bucket, key)
	meta.tags = tags
	if m.meta == nil {
		m.meta = map[string]objectMeta{}
	}
	m.meta[bucket+"/"+key] = meta
	if r.Method == http.MethodDelete {
		w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

// headerTags reads PutObject's and CopyObject's x-amz-tagging, a URL query of tags.
func headerTags(h string) ([]s3Tag, *s3Error) {
	if h == "" {
		return nil, nil
	}
	var tags []s3Tag
	for pair := range strings.SplitSeq(h, "&") {
		k, v, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, &s3Error{http.StatusBadRequest, "InvalidArgument", "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates."}
		}
		tags = append(tags, s3Tag{key, value})
	}
	return tags, checkTags(tags)
}

// checkTags holds an object's tags to S3's bounds: at most 10, keys of 1 to 128 characters,
// values of at most 256, no key twice.
func checkTags(tags []s3Tag) *s3Error {
	if len(tags) > 10 {
		return &s3Error{http.StatusBadRequest, "BadRequest", "Object tags cannot be greater than 10"}
	}
	seen := map[string]bool{}
	for _, t := range tags {
		switch {
		case seen[t.Key]:
			return &s3Error{http.StatusBadRequest, "InvalidTag", "Cannot provide multiple Tags with the same key"}
		case t.Key == "" || utf8.RuneCountInString(t.Key) > 128:
			return &s3Error{http.StatusBadRequest, "InvalidTag", "The TagKey you have provided is invalid"}
		case utf8.RuneCountInString(t.Value) > 256:
			return &s3Error{http.StatusBadRequest, "InvalidTag", "The TagValue you have provided is too long"}
		}
		seen[t.Key] = true
	}
	return nil
}

// byteRange reads a Range header's one range (bytes=a-b, bytes=a-, bytes=-n) of an object of
// size bytes, as [start, end).
func byteRange(s string, size int64) (start, end int64, ok bool) {
	spec, found := strings.CutPrefix(s, "bytes=")
	a, b, dash := strings.Cut(spec, "-")
	if !found || !dash || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	switch {
	case a == "":
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, false
		}
		return max(size-n, 0), size, size > 0
	default:
		start, err := strconv.ParseInt(a, 10, 64)
		if err != nil || start >= size {
			return 0, 0, false
		}
		end := size
		if b != "" {
			last, err := strconv.ParseInt(b, 10, 64)
			if err != nil || last < start {
				return 0, 0, false
			}
			end = min(last+1, size)
		}
		return start, end, true
	}
}

func (m *memS3) deleteObject(w http.ResponseWriter, bucket, key string) *s3Error {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys, ok := m.buckets[bucket]
	if !ok {
		return errNoSuchBucket
	}
	delete(keys, key)
	delete(m.meta, bucket+"/"+key)
	w.WriteHeader(http.StatusNoContent) // deleting a key that is not there succeeds too
	return nil
}

// deleteObjects answers DeleteObjects: each key deleted (one that is not there too, as S3
// does), listed in the answer unless the request is Quiet.
func (m *memS3) deleteObjects(w http.ResponseWriter, r *http.Request, bucket string) *s3Error {
	var in struct {
		Quiet  bool
		Object []struct{ Key string }
	}
	body, _ := io.ReadAll(r.Body)
	if err := xml.Unmarshal(body, &in); err != nil || len(in.Object) == 0 || len(in.Object) > 1000 {
		return &s3Error{http.StatusBadRequest, "MalformedXML",
			"The XML you provided was not well-formed or did not validate against our published schema"}
	}
	type deleted struct{ Key string }
	out := struct {
		XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ DeleteResult"`
		Deleted []deleted
	}{}
	m.mu.Lock()
	keys, ok := m.buckets[bucket]
	if !ok {
		m.mu.Unlock()
		return errNoSuchBucket
	}
	for _, o := range in.Object {
		delete(keys, o.Key)
		delete(m.meta, bucket+"/"+o.Key)
		if !in.Quiet {
			out.Deleted = append(out.Deleted, deleted{o.Key})
		}
	}
	m.mu.Unlock()
	writeXML(w, http.StatusOK, out)
	return nil
}

// etag is S3's ETag of an object put in one part: its MD5, quoted.
func etag(body []byte) string {
	sum := md5.Sum(body)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}
