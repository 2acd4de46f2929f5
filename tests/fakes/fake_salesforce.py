#!/usr/bin/env python3
"""A fake Salesforce for the sync tests and benchmark: the OAuth token endpoint (refresh_token,
JWT bearer, client_credentials), sObject Collections upsert by external id, SOQL query paging
with nextRecordsUrl, getDeleted, Sforce-Limit-Info on every response, error bodies as
[{"message", "errorCode"}], and injected faults. Python standard library only.

Run: fake_salesforce.py [--port 0] [--port-file FILE] [--latency-ms N] [--batch-size N] [--api-limit N]
       [--jwt-public-key PEM] [--client-id ID] [--client-secret S] [--refresh-token T]
Prints "PORT <n>" on its first line of stdout once it listens.

Admin endpoints (for tests; no auth):
  POST /admin/config  {"latency_ms", "batch_size", "api_limit", "api_usage",
                       "faults": {"<n>": "invalid_session"|"request_limit"|"unavailable"|
                                  "policy_401"}  -- on the n-th data call (counting from 1),
                       "lock_once": [external ids] -- UNABLE_TO_LOCK_ROW on their first upsert}
  GET  /admin/tasks   {"tasks": {extid: record}, "writes": {extid: n}}
  GET  /admin/stats   calls, records, max_batch, tokens by grant, faults_served
  POST /admin/records {"type": "Lead"|"Contact", "records": [{...}]}: insert or update by Id;
                       SystemModstamp is set to now (or the record's own when given)
  POST /admin/delete  {"type": "Lead"|"Contact", "id": "..."}
"""
import argparse
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {
    "latency_ms": 0,
    "batch_size": 2000,
    "api_limit": 15000,
    "api_usage": 0,
    "faults": {},
    "lock_once": set(),
    "tasks": {},
    "writes": {},
    "task_ids": {},
    "tokens": set(),
    "token_grants": {},
    "calls": 0,
    "records": 0,
    "max_batch": 0,
    "faults_served": [],
    "sobjects": {"Lead": {}, "Contact": {}},
    "deleted": {"Lead": [], "Contact": []},
    "cursors": {},
    "next_id": 1,
}
ARGS = None


def sf_time(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def parse_time(text):
    text = text.strip()
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text.replace("Z", "+0000"), fmt).timestamp()
        except ValueError:
            pass
    raise ValueError("bad datetime " + text)


def new_id(prefix):
    with LOCK:
        n = STATE["next_id"]
        STATE["next_id"] += 1
    return (prefix + "%015d" % n)[:18]


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The headers and the body leave in separate writes: with Nagle's algorithm the body would
    # wait for the client's delayed ACK of the headers (40 ms on Linux) on every response.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    # -- plumbing --------------------------------------------------------------------------
    def send_json(self, status, value, extra=None):
        body = json.dumps(value).encode()
        self.wait_latency()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        with LOCK:
            usage = "api-usage=%d/%d" % (STATE["api_usage"], STATE["api_limit"])
        self.send_header("Sforce-Limit-Info", usage)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    # A data call's response leaves `latency_ms` after its request arrived, however long the
    # fake itself took to read and answer it (as long as that was shorter): the fake's own
    # Python time overlaps the latency instead of adding to it, so concurrent calls see the
    # configured latency and not the fake's CPU under the GIL.
    def wait_latency(self):
        if not getattr(self, "is_data_call", False):
            return
        with LOCK:
            latency = STATE["latency_ms"]
        left = self.arrived + latency / 1000.0 - time.monotonic()
        if left > 0:
            time.sleep(left)

    def error(self, status, code, message):
        self.send_json(status, [{"message": message, "errorCode": code}])

    def body_json(self):
        return json.loads(self.body) if self.body else None

    def body_form(self):
        return dict(urllib.parse.parse_qsl(self.body.decode()))

    # -- routing ---------------------------------------------------------------------------
    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PATCH(self):
        self.route("PATCH")

    def route(self, method):
        # Read the whole body first, even when the answer is an error: on a kept-alive
        # connection unread bytes would be taken for the next request.
        self.arrived = time.monotonic()
        n = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(n) if n else b""
        self.is_data_call = False
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        try:
            if path.startswith("/admin/"):
                return self.admin(method, path)
            if path == "/services/oauth2/token" and method == "POST":
                return self.token()
            m = re.match(r"^/services/data/v\d+\.\d+/(.*)$", path)
            if not m:
                return self.error(404, "NOT_FOUND", "The requested resource does not exist")
            rest = m.group(1)
            self.is_data_call = True
            if not self.data_call():
                return
            if method == "PATCH" and rest.startswith("composite/sobjects/"):
                return self.upsert(rest)
            if method == "GET" and rest in ("query", "query/"):
                return self.query(urllib.parse.parse_qs(url.query).get("q", [""])[0])
            if method == "GET" and rest.startswith("query/"):
                return self.query_more(rest[len("query/"):])
            dm = re.match(r"^sobjects/(Lead|Contact)/deleted/?$", rest)
            if method == "GET" and dm:
                return self.get_deleted(dm.group(1), urllib.parse.parse_qs(url.query))
            return self.error(404, "NOT_FOUND", "The requested resource does not exist")
        except Exception as e:  # a bug in the fake shows in the test's output
            sys.stderr.write("fake_salesforce: %r\n" % e)
            return self.error(500, "UNKNOWN_EXCEPTION", str(e))

    # A data API call: bearer check, latency, the call counter, usage and injected faults.
    # Returns False when it already answered.
    def data_call(self):
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        with LOCK:
            STATE["calls"] += 1
            n = STATE["calls"]
            fault = STATE["faults"].pop(str(n), None)
            valid = token in STATE["tokens"]
            if fault == "invalid_session":
                STATE["tokens"].clear()  # the session expired: every token is dead
            if fault:
                STATE["faults_served"].append(fault)
            if valid and fault is None:
                STATE["api_usage"] += 1
            over = STATE["api_usage"] > STATE["api_limit"]
        if fault == "invalid_session" or not valid:
            self.error(401, "INVALID_SESSION_ID", "Session expired or invalid")
            return False
        if fault == "policy_401":
            self.error(401, "INSUFFICIENT_ACCESS", "This session is not valid for use with the REST API")
            return False
        if fault == "request_limit" or over:
            self.error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            return False
        if fault == "unavailable":
            self.error(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable")
            return False
        return True

    # -- OAuth -----------------------------------------------------------------------------
    def token(self):
        form = self.body_form()
        grant = form.get("grant_type", "")
        bad = lambda d: self.send_json(400, {"error": "invalid_grant", "error_description": d})
        if grant == "refresh_token":
            if form.get("client_id") != ARGS.client_id:
                return self.send_json(400, {"error": "invalid_client_id", "error_description": "client identifier invalid"})
            if ARGS.client_secret and form.get("client_secret") != ARGS.client_secret:
                return self.send_json(400, {"error": "invalid_client", "error_description": "invalid client credentials"})
            if form.get("refresh_token") != ARGS.refresh_token:
                return bad("expired access/refresh token")
        elif grant == "client_credentials":
            if form.get("client_id") != ARGS.client_id or form.get("client_secret") != ARGS.client_secret:
                return self.send_json(400, {"error": "invalid_client", "error_description": "invalid client credentials"})
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            problem = self.check_jwt(form.get("assertion", ""))
            if problem:
                return bad(problem)
        else:
            return self.send_json(400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"})
        token = "00DFAKE!" + base64.urlsafe_b64encode(os.urandom(24)).decode().rstrip("=")
        host = self.headers.get("Host")
        with LOCK:
            STATE["tokens"].add(token)
            STATE["token_grants"][grant] = STATE["token_grants"].get(grant, 0) + 1
        self.send_json(200, {
            "access_token": token,
            "instance_url": "http://" + host,
            "id": "http://%s/id/00DFAKE000000001/005FAKE000000001" % host,
            "token_type": "Bearer",
            "issued_at": str(int(time.time() * 1000)),
            "signature": base64.b64encode(os.urandom(32)).decode(),
        })

    def check_jwt(self, assertion):
        parts = assertion.split(".")
        if len(parts) != 3:
            return "invalid assertion"
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
        except Exception:
            return "invalid assertion"
        if header.get("alg") != "RS256":
            return "invalid assertion: alg"
        if claims.get("iss") != ARGS.client_id:
            return "invalid assertion: iss"
        if not claims.get("sub"):
            return "invalid assertion: sub"
        host = self.headers.get("Host")
        if claims.get("aud") not in ("http://" + host, "https://login.salesforce.com",
                                     "https://test.salesforce.com"):
            return "invalid assertion: aud"
        if not isinstance(claims.get("exp"), int) or claims["exp"] < time.time():
            return "invalid assertion: exp"
        if ARGS.jwt_public_key:
            with tempfile.TemporaryDirectory() as d:
                sig = os.path.join(d, "sig")
                with open(sig, "wb") as f:
                    f.write(b64url_decode(parts[2]))
                r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", ARGS.jwt_public_key,
                                    "-signature", sig], input=(parts[0] + "." + parts[1]).encode(),
                                   capture_output=True)
                if r.returncode != 0:
                    return "invalid assertion: signature"
        return None

    # -- sObject Collections upsert ----------------------------------------------------------
    def upsert(self, rest):
        m = re.match(r"^composite/sobjects/(\w+)/(\w+)$", rest)
        if not m:
            return self.error(404, "NOT_FOUND", "The requested resource does not exist")
        sobject, ext_field = m.group(1), m.group(2)
        body = self.body_json()
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            return self.error(400, "JSON_PARSER_ERROR", "records is required")
        records = body["records"]
        if len(records) > 200:
            return self.error(400, "EXCEEDED_ID_LIMIT",
                              "record limit reached. cannot submit more than 200 records into this call")
        results = []
        with LOCK:
            STATE["records"] += len(records)
            STATE["max_batch"] = max(STATE["max_batch"], len(records))
            for r in records:
                if (r.get("attributes") or {}).get("type") != sobject:
                    results.append({"success": False, "errors": [{"statusCode": "INVALID_TYPE",
                        "message": "attributes.type must be " + sobject, "fields": []}]})
                    continue
                ext = r.get(ext_field)
                if not ext:
                    results.append({"success": False, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING",
                        "message": "Required fields are missing: [%s]" % ext_field, "fields": [ext_field]}]})
                    continue
                if ext in STATE["lock_once"]:
                    STATE["lock_once"].discard(ext)
                    results.append({"success": False, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW",
                        "message": "unable to obtain exclusive access to this record", "fields": []}]})
                    continue
                subject = r.get("Subject") or ""
                if len(subject) > 255:
                    results.append({"success": False, "errors": [{"statusCode": "STRING_TOO_LONG",
                        "message": "Subject: data value too large", "fields": ["Subject"]}]})
                    continue
                created = ext not in STATE["tasks"]
                if created:
                    STATE["task_ids"][ext] = "00T" + "%015d" % (len(STATE["task_ids"]) + 1)
                fields = {k: v for k, v in r.items() if k != "attributes"}
                fields["Id"] = STATE["task_ids"][ext]
                STATE["tasks"][ext] = fields if created else {**STATE["tasks"][ext], **fields}
                STATE["writes"][ext] = STATE["writes"].get(ext, 0) + 1
                results.append({"id": fields["Id"], "success": True, "errors": [], "created": created})
        self.send_json(200, results)

    # -- SOQL ------------------------------------------------------------------------------
    def query(self, soql):
        m = re.match(r"^\s*SELECT\s+(.+?)\s+FROM\s+(Lead|Contact)\s+WHERE\s+SystemModstamp\s*>=\s*(\S+)"
                     r"\s+ORDER\s+BY\s+SystemModstamp(?:\s+ASC)?\s*$", soql, re.I | re.S)
        if not m:
            return self.error(400, "MALFORMED_QUERY", "unexpected SOQL: " + soql)
        fields = [f.strip() for f in m.group(1).split(",")]
        sobject = m.group(2)
        since = parse_time(m.group(3))
        with LOCK:
            rows = [dict(r) for r in STATE["sobjects"][sobject].values()
                    if parse_time(r["SystemModstamp"]) >= since]
        rows.sort(key=lambda r: (parse_time(r["SystemModstamp"]), r["Id"]))
        out = []
        for r in rows:
            rec = {"attributes": {"type": sobject,
                                  "url": "/services/data/v62.0/sobjects/%s/%s" % (sobject, r["Id"])}}
            for f in fields:
                if "." in f:  # a relationship field: "Account.Name" -> {"Account": {"Name"}}
                    parent, child = f.split(".", 1)
                    rec[parent] = {"attributes": {"type": parent}, child: r.get(f)}
                else:
                    rec[f] = r.get(f)
            out.append(rec)
        return self.page(out, 0, self.locator())

    def locator(self):
        return "01gFAKE" + base64.urlsafe_b64encode(os.urandom(6)).decode()

    def page(self, records, offset, locator):
        with LOCK:
            size = STATE["batch_size"]
        chunk = records[offset:offset + size]
        done = offset + size >= len(records)
        value = {"totalSize": len(records), "done": done, "records": chunk}
        if not done:
            key = "%s-%d" % (locator, offset + size)
            with LOCK:
                STATE["cursors"][key] = records
            version = re.match(r"^/services/data/(v\d+\.\d+)/", self.path).group(1)
            value["nextRecordsUrl"] = "/services/data/%s/query/%s" % (version, key)
        self.send_json(200, value)

    def query_more(self, key):
        with LOCK:
            records = STATE["cursors"].pop(key, None)
        if records is None:
            return self.error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        locator, offset = key.rsplit("-", 1)
        return self.page(records, int(offset), locator)

    def get_deleted(self, sobject, params):
        try:
            start = parse_time(params["start"][0])
            end = parse_time(params["end"][0])
        except (KeyError, ValueError):
            return self.error(400, "INVALID_REPLICATION_DATE", "start and end are required")
        with LOCK:
            deleted = [d for d in STATE["deleted"][sobject] if start <= d[1] <= end]
        self.send_json(200, {
            "deletedRecords": [{"id": i, "deletedDate": sf_time(t)} for i, t in deleted],
            "earliestDateAvailable": sf_time(time.time() - 30 * 86400),
            "latestDateCovered": sf_time(end),
        })

    # -- admin -----------------------------------------------------------------------------
    def admin(self, method, path):
        if path == "/admin/config" and method == "POST":
            body = self.body_json() or {}
            with LOCK:
                for k in ("latency_ms", "batch_size", "api_limit", "api_usage"):
                    if k in body:
                        STATE[k] = body[k]
                if "faults" in body:
                    STATE["faults"] = {str(k): v for k, v in body["faults"].items()}
                if "lock_once" in body:
                    STATE["lock_once"] = set(body["lock_once"])
            return self.send_json(200, {"ok": True})
        if path == "/admin/tasks" and method == "GET":
            with LOCK:  # a snapshot: send_json takes the lock itself
                value = json.loads(json.dumps({"tasks": STATE["tasks"], "writes": STATE["writes"]}))
            return self.send_json(200, value)
        if path == "/admin/stats" and method == "GET":
            with LOCK:
                value = {k: STATE[k] for k in ("calls", "records", "max_batch", "token_grants",
                                               "faults_served", "api_usage", "api_limit")}
                value["pending_faults"] = dict(STATE["faults"])
                value = json.loads(json.dumps(value))
            return self.send_json(200, value)
        if path == "/admin/records" and method == "POST":
            body = self.body_json()
            sobject = body["type"]
            ids = []
            for r in body["records"]:
                rid = r.get("Id") or new_id("00Q" if sobject == "Lead" else "003")
                with LOCK:
                    old = STATE["sobjects"][sobject].get(rid, {})
                    rec = {**old, **r, "Id": rid}
                    rec["SystemModstamp"] = r.get("SystemModstamp") or sf_time(time.time())
                    STATE["sobjects"][sobject][rid] = rec
                ids.append(rid)
            return self.send_json(200, {"ids": ids})
        if path == "/admin/delete" and method == "POST":
            body = self.body_json()
            with LOCK:
                STATE["sobjects"][body["type"]].pop(body["id"], None)
                STATE["deleted"][body["type"]].append((body["id"], time.time()))
            return self.send_json(200, {"ok": True})
        return self.error(404, "NOT_FOUND", "no such admin endpoint")


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--latency-ms", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=2000)
    p.add_argument("--api-limit", type=int, default=15000)
    p.add_argument("--client-id", default="3MVG9FAKE")
    p.add_argument("--client-secret", default="fake-secret")
    p.add_argument("--refresh-token", default="fake-refresh")
    p.add_argument("--jwt-public-key", default="")
    p.add_argument("--port-file", default="")
    ARGS = p.parse_args()
    STATE["latency_ms"] = ARGS.latency_ms
    STATE["batch_size"] = ARGS.batch_size
    STATE["api_limit"] = ARGS.api_limit
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    if ARGS.port_file:  # written once listening, atomically
        with open(ARGS.port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
