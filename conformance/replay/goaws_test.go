package replay

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/internal/awstest"
)

// The recorded tests set up queues and topics, and read messages as their workers do, through
// goaws's query API: what they do there is not compared, only what the executions do.

// goawsCall makes one query-protocol call to goaws and returns its XML answer.
func (r *replay) goawsCall(params url.Values) []byte {
	r.t.Helper()
	resp, err := http.PostForm(awstest.GoAWS(r.t)+"/", params)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("goaws %s: %d %s", params.Get("Action"), resp.StatusCode, data)
	}
	return data
}

// createQueue creates a queue and returns its URL.
func (r *replay) createQueue(name string) string {
	var out struct {
		URL string `xml:"CreateQueueResult>QueueUrl"`
	}
	if err := xml.Unmarshal(r.goawsCall(url.Values{"Action": {"CreateQueue"}, "QueueName": {name}}), &out); err != nil || out.URL == "" {
		r.t.Fatalf("CreateQueue %s: %v", name, err)
	}
	return out.URL
}

// queueArn is the ARN goaws gives the queue of url.
func queueArn(queueURL string) string {
	return "arn:aws:sqs:us-east-1:000000000000:" + queueURL[strings.LastIndex(queueURL, "/")+1:]
}

// createTopic creates an SNS topic and returns its ARN.
func (r *replay) createTopic(name string) string {
	var out struct {
		Arn string `xml:"CreateTopicResult>TopicArn"`
	}
	if err := xml.Unmarshal(r.goawsCall(url.Values{"Action": {"CreateTopic"}, "Name": {name}}), &out); err != nil || out.Arn == "" {
		r.t.Fatalf("CreateTopic %s: %v", name, err)
	}
	return out.Arn
}

// subscribeQueue subscribes a queue to a topic.
func (r *replay) subscribeQueue(topic, queueURL string) {
	r.goawsCall(url.Values{"Action": {"Subscribe"}, "TopicArn": {topic}, "Protocol": {"sqs"}, "Endpoint": {queueArn(queueURL)}})
}

// receive waits up to within for a message on the queue and returns its body ("" if none
// came). The message is deleted, as a worker that handled it would.
func (r *replay) receive(queueURL string, within time.Duration) string {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		var out struct {
			Messages []struct {
				Body    string `xml:"Body"`
				Receipt string `xml:"ReceiptHandle"`
			} `xml:"ReceiveMessageResult>Message"`
		}
		data := r.goawsCall(url.Values{"Action": {"ReceiveMessage"}, "QueueUrl": {queueURL}, "MaxNumberOfMessages": {"1"}})
		if err := xml.Unmarshal(data, &out); err != nil {
			r.t.Fatalf("ReceiveMessage: %v: %s", err, data)
		}
		if len(out.Messages) > 0 {
			r.goawsCall(url.Values{"Action": {"DeleteMessage"}, "QueueUrl": {queueURL}, "ReceiptHandle": {out.Messages[0].Receipt}})
			return out.Messages[0].Body
		}
		time.Sleep(50 * time.Millisecond)
	}
	return ""
}

// goawsFront stands between Stepwise and goaws, and removes the empty elements goaws writes
// for members it has no value for (SendMessage's MD5OfMessageAttributes and SequenceNumber):
// SQS and SNS leave an absent member out of their answers, and an empty element would reach
// the execution as an empty string where AWS's result has no member at all.
func goawsFront(goaws string) string {
	target, _ := url.Parse(goaws)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if !strings.Contains(resp.Header.Get("Content-Type"), "xml") {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		body = emptyElement.ReplaceAll(body, nil)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	return httptest.NewServer(proxy).URL // lives as long as the test binary, as goaws does
}

var emptyElement = regexp.MustCompile(`<([A-Za-z0-9]+)>\s*</([A-Za-z0-9]+)>|<[A-Za-z0-9]+/>`)
