package iam

import (
	"net/http"
)

// stsXMLNS is the namespace of STS's Query answers.
const stsXMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"

// callerIdentity answers STS's GetCallerIdentity (`aws sts get-caller-identity`, and the
// account lookup tools such as Terraform's AWS provider make at their start) on the IAM
// endpoint: who signed the request. As on AWS, no policy is needed for it, nor can one deny
// it. With IAM enforced, an unknown key or a bad signature is refused as STS refuses it;
// without, a request it cannot authenticate (an unknown key, a signature that does not
// match) is the account's root, the identity every unchecked call has.
func (q *Query) callerIdentity(w http.ResponseWriter, r *http.Request, body []byte, reqID string) {
	d := q.Directory
	p, err := d.Authenticate(r, body, "sts")
	if err != nil {
		if q.Enforce {
			q.writeError(w, reqID, err)
			return
		}
		p = &Principal{Arn: "arn:aws:iam::" + d.opts.Account + ":root", Root: true}
	}
	id := p.UserID
	if p.Root {
		id = d.opts.Account // the root's user id is its account's
	}
	out := struct{ Arn, UserId, Account string }{p.Arn, id, d.opts.Account}
	if err := writeResult(w, reqID, stsXMLNS, "GetCallerIdentity", out); err != nil {
		q.writeError(w, reqID, err)
	}
}
