"""A small Python runtime for the replay suite's Lambda functions.

Stepwise runs a function as a process speaking the AWS Lambda Runtime API (docs/integrations.md,
--function). This is such a process for Python handlers, written for the replay suite: it
loads the handler named by _HANDLER ("module.function", the module from this directory), asks
for invocations, and answers each with the handler's result, or with the error as AWS's Python
runtime reports one: errorMessage, errorType, requestId and the stack below the handler.
Standard library only.
"""

import importlib
import json
import os
import sys
import traceback
import urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"


def post(path, body, headers=None):
    req = urllib.request.Request(API + path, data=body, method="POST", headers=headers or {})
    urllib.request.urlopen(req).read()


def error_body(exc, request_id):
    # The frames from the handler down: this file's own frame is the runtime's, not the user's.
    frames = traceback.extract_tb(exc.__traceback__)[1:]
    return json.dumps({
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(frames),
    }).encode()


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    module, _, name = os.environ["_HANDLER"].rpartition(".")
    handler = getattr(importlib.import_module(module), name)
    while True:
        with urllib.request.urlopen(API + "/invocation/next") as resp:
            request_id = resp.headers["Lambda-Runtime-Aws-Request-Id"]
            event = json.loads(resp.read() or b"null")
        try:
            result = handler(event, None)
        except Exception as exc:  # the function's error, reported as Lambda reports it
            post("/invocation/" + request_id + "/error", error_body(exc, request_id),
                 {"Lambda-Runtime-Function-Error-Type": "Unhandled"})
            continue
        # Bytes are the response as they are; anything else is serialised to JSON.
        body = result if isinstance(result, (bytes, bytearray)) else json.dumps(result).encode()
        post("/invocation/" + request_id + "/response", body)


if __name__ == "__main__":
    main()
