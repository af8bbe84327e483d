"""A small Python runtime for the replay suite's Lambda functions.

Stepwise runs a function as a process speaking the AWS Lambda Runtime API (docs/integrations.md,
--function). This is such a process for Python handlers, written for the replay suite: it
loads the handler named by _HANDLER ("module.function", the module from this directory), asks
for invocations, and answers each with the handler's result, or with the error as AWS's Python
runtime reports one: errorMessage, errorType, requestId and the stack below the handler.
Standard library only; run with -S (no site packages to import).
"""

import importlib
import json
import os
import socket
import sys
import traceback

# The Runtime API's address (host:port); the requests are plain HTTP/1.1, one connection each.
# (urllib would do, but it imports ssl and much else: a process that starts in a tenth of the
# time keeps the suite fast on a loaded machine.)
HOST, _, PORT = os.environ["AWS_LAMBDA_RUNTIME_API"].rpartition(":")
API = "/2018-06-01/runtime"


def request(method, path, body=b"", headers=None):
    """Sends one request and returns the answer's headers (lower-case names) and body."""
    conn = socket.create_connection((HOST, int(PORT)))
    lines = [f"{method} {API}{path} HTTP/1.1", f"Host: {HOST}", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    data = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    conn.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    fields = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    if fields.get("transfer-encoding", "").lower() == "chunked":
        body, rest = b"", rest
        while True:
            size, _, rest = rest.partition(b"\r\n")
            n = int(size.split(b";")[0], 16)
            if n == 0:
                break
            body, rest = body + rest[:n], rest[n + 2:]
        rest = body
    return fields, rest


def post(path, body, headers=None):
    request("POST", path, body, headers)


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
        fields, payload = request("GET", "/invocation/next")
        request_id = fields["lambda-runtime-aws-request-id"]
        event = json.loads(payload or b"null")
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
