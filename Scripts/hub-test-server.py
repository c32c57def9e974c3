#!/usr/bin/env python3
"""A local HTTP server for the download tests (HubDownloadTests, EndToEndTests): it serves the
files of one folder on 127.0.0.1, on a free port it prints as its first line, and misbehaves on
request. The first path segment says how:

  /ok/NAME          the file; honours "Range: bytes=N-" (206 with Content-Range)
  /norange/NAME     the file, always whole (200), whatever the Range header asks
  /truncated/NAME   the first half of the file, as if that were all of it
  /wronghash/NAME   the file with its middle byte changed
  /dropfirst/NAME   the first request for NAME: the headers of the whole file, half the body, then
                    the connection closes; later requests behave as /ok/
  /stall/NAME       the headers of the whole file and half the body, then 10 s of nothing
  /badrange/NAME    a range request answered with the bytes from one past the start asked for (206)
  /rangezero/NAME   a range request answered with the whole file as a 206 from byte 0
  anything else     404

Every request is appended to LOG as one line: "METHOD PATH RANGE" (RANGE "-" when none).
usage: hub-test-server.py FOLDER LOG    (stops on SIGTERM or when stdin closes)
"""
import http.server
import os
import re
import sys
import threading
import time

folder, log_path = sys.argv[1], sys.argv[2]
dropped = set()
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        rng = self.headers.get("Range")
        with lock, open(log_path, "a") as log:
            log.write(f"GET {self.path} {rng or '-'}\n")
        parts = self.path.strip("/").split("/")
        if len(parts) != 2 or "/" in parts[1] or parts[1].startswith("."):
            return self.send_error(404)
        mode, name = parts
        path = os.path.join(folder, name)
        if mode not in ("ok", "norange", "truncated", "wronghash", "dropfirst", "stall", "badrange", "rangezero") or not os.path.isfile(path):
            return self.send_error(404)
        data = open(path, "rb").read()
        if mode == "truncated":
            data = data[: len(data) // 2]
        elif mode == "wronghash":
            middle = len(data) // 2
            data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]
        elif mode == "stall":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            time.sleep(10)
            return
        elif mode == "dropfirst":
            with lock:
                first = name not in dropped
                dropped.add(name)
            if first:
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", rng or "")
        if match and mode != "norange":
            start = int(match.group(1))
            if mode == "badrange":
                start = min(start + 1, len(data) - 1)
            elif mode == "rangezero":
                start = 0
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()  # until the test closes our stdin (or kills us)
server.shutdown()
