"""Webhooks end to end, checked by an independent implementation: a receiver on loopback verifies
every delivery with the `standardwebhooks` library from PyPI. Through `/v1` (with `X-API-Key`, and
the `/v1/admin/webhook/…` names), it registers an endpoint for every event, then provisions a user,
publishes a course, enrols the user, has them submit a quiz and sends a test event: each event must
arrive once, verified, in the body docs/API.md describes.

Usage: webhooks_check.py BASE_URL API_KEY   (the server runs with LECTERN_WEBHOOKS_ALLOW_LOOPBACK)
"""

import http.server
import json
import sys
import threading
import time
import urllib.error
import urllib.request

from standardwebhooks.webhooks import Webhook

BASE, KEY = sys.argv[1], sys.argv[2]
received = []


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def call(method, path, body=None, headers=None):
    request = urllib.request.Request(BASE + path, method=method)
    request.add_header("X-API-Key", KEY)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, data, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def created(method, path, body=None, headers=None):
    status, answer = call(method, path, body, headers)
    assert 200 <= status < 300, f"{method} {path}: {status} {answer}"
    return answer["data"]


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks?token=t"

    status, refused = call("POST", "/v1/admin/webhook/register",
                           {"url": "https://169.254.169.254/latest", "events": ["*"]})
    assert (status, refused["error"]["code"]) == (422, "webhook.url_refused"), refused
    endpoint = created("POST", "/v1/admin/webhook/register",
                       {"url": url, "events": ["*"], "description": "contract check"})
    secret = endpoint["secret"]
    assert secret.startswith("whsec_")
    listed = created("GET", "/v1/admin/webhook/list")
    mine = [e for e in listed if e["id"] == endpoint["id"]]
    assert len(mine) == 1 and "secret" not in mine[0], listed

    stamp = str(time.time_ns())
    user = created("POST", "/v1/users", {"email": f"hook{stamp}@example.org", "name": "Hook Learner",
                                         "role": "student", "password": "a long enough password"})
    course = created("POST", "/v1/courses", {"title": f"Webhooks {stamp}"})
    module = created("POST", f"/v1/courses/{course['id']}/modules", {"title": "One"})
    created("POST", f"/v1/modules/{module['id']}/lessons",
            {"title": "Intro", "blocks": [{"kind": "markdown", "text": "Hello"}]})
    created("POST", f"/v1/courses/{course['id']}/publish")
    created("POST", f"/v1/courses/{course['id']}/enrollments", {"user_id": user["id"]})
    quiz = created("POST", "/v1/quizzes", {"course_id": course["id"], "title": "Check"})
    question = created("POST", f"/v1/quizzes/{quiz['id']}/questions",
                       {"kind": "short_text", "prompt": "The middle value", "accepted_answers": ["median"]})
    created("POST", f"/v1/quizzes/{quiz['id']}/publish")
    created("POST", f"/v1/quizzes/{quiz['id']}/submissions",
            {"answers": [{"question_id": question["id"], "text": "median"}]},
            {"X-On-Behalf-Of": user["id"]})
    created("POST", f"/v1/webhooks/{endpoint['id']}/test")

    expected = {"user.provisioned", "course.published", "enrollment.created",
                "quiz.attempt.submitted", "quiz.attempt.graded", "webhook.test"}
    deadline = time.time() + 30
    while len(received) < len(expected) and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(1)  # anything sent twice would arrive by now

    verifier = Webhook(secret)
    types, ids = [], set()
    for headers, body in received:
        event = verifier.verify(body, headers)  # raises unless the signature and timestamp hold
        types.append(event["type"])
        ids.add(headers["Webhook-Id"] if "Webhook-Id" in headers else headers["webhook-id"])
        assert set(event) == {"type", "timestamp", "data"}, event
        assert event["data"]["schema_version"] == 1, event
    assert sorted(types) == sorted(expected), f"received {sorted(types)}"
    assert len(ids) == len(received), "an event arrived twice"

    log = created("GET", f"/v1/webhooks/{endpoint['id']}/deliveries")
    assert len(log) == len(expected) and all(d["status"] == "succeeded" for d in log), log
    created("DELETE", f"/v1/admin/webhook/{endpoint['id']}")
    print(f"webhooks: {len(received)} deliveries verified by standardwebhooks")


main()
