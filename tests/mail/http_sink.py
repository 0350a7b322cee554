#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""An HTTP sink standing for an SMS gateway in the SMS tests.

    http_sink.py DIR

Listens on 127.0.0.1 on a free port, written into DIR/port once it serves.
Each request becomes DIR/req-N.json ({"method", "path", "headers", "body"})
and a line of DIR/log. The number in the request chooses the answer:
  ...0099   400 (the gateway refuses the message: permanent)
  ...0098   503 the first time (unavailable: retried), then 200
  otherwise 200 {"status": "queued"}
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
STATE = {"n": 0, "seen": set()}


def log(line):
    with open(os.path.join(DIR, "log"), "a", encoding="utf-8") as f:
        f.write(line + "\n")


class Sink(BaseHTTPRequestHandler):
    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        STATE["n"] += 1
        record = {"method": self.command, "path": self.path,
                  "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        path = os.path.join(DIR, "req-%d.json" % STATE["n"])
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(path + ".tmp", path)
        seen = body + self.path
        if "0099" in seen:
            status = 400
            log("refused")
        elif "0098" in seen and "0098" not in STATE["seen"]:
            STATE["seen"].add("0098")
            status = 503
            log("unavailable")
        else:
            status = 200
            log("accepted")
        out = json.dumps({"status": "queued" if status == 200 else "error"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_POST = do_PUT = do_GET = handle_any

    def log_message(self, *args):
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    with open(os.path.join(DIR, "port.tmp"), "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
