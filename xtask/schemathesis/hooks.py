"""Hooks for the API contract run (`cargo xtask test`).

Schemathesis draws header values from a small space, so it sends one `Idempotency-Key` with
different bodies; the server refuses that by design (422 `idempotency.key_reused`, covered by the
API tests). A client sends a fresh key per new request: a valid generated key gets a unique suffix,
so each request stays new while the header's pattern is still exercised. Invalid keys are left as
generated, for the negative checks.
"""

import re
import uuid

import schemathesis

IDEMPOTENCY_KEY = re.compile(r"^[!-~]{1,255}$")


@schemathesis.hook
def before_call(context, case, kwargs):
    for headers in (case.headers, kwargs.get("headers")):
        if not headers:
            continue
        for name in list(headers):
            if name.lower() != "idempotency-key":
                continue
            value = headers[name]
            if isinstance(value, str) and IDEMPOTENCY_KEY.match(value):
                headers[name] = value[:222] + "-" + uuid.uuid4().hex
