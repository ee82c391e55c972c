"""A local Hub stand-in on 127.0.0.1: the few endpoints `huggingface_hub` uses to create a repo and upload to it.

Dataset and model repos alike: create repo, validate the README's YAML, preupload (everything
"regular", so file contents come inline in the commit), commit. What was pushed lands in a dict
the test reads: `created` (create-repo requests), `files` (path -> bytes), `commits` (repo type,
repo id), `readme` (the last README text validated), `auth` (Authorization headers seen).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeHub(BaseHTTPRequestHandler):
    """create repo, validate YAML, preupload, commit: the upload path of huggingface_hub."""

    def _reply(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        hub, base = self.server.hub, f"http://127.0.0.1:{self.server.server_port}"
        hub["auth"].add(self.headers.get("authorization"))
        if hub.get("fail"):
            return self._reply(hub["fail"], {"error": "forbidden"})
        if self.path == "/api/repos/create":
            request = json.loads(body)
            hub["created"].append(request)
            prefix = "" if request.get("type", "model") == "model" else f"{request['type']}s/"
            return self._reply(200, {"url": f"{base}/{prefix}{request['organization']}/{request['name']}"})
        if self.path == "/api/validate-yaml":
            hub["readme"] = json.loads(body)["content"]
            return self._reply(200, {"warnings": []})
        if "/preupload/" in self.path:
            files = json.loads(body)["files"]
            return self._reply(
                200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]}
            )
        if "/commit/" in self.path:
            kind, repo = (
                self.path.removeprefix("/api/").split("/commit/")[0].split("/", 1)
            )  # "datasets"|"models", owner/name
            hub["commits"].append((kind, repo))
            for line in body.decode().splitlines():
                item = json.loads(line)
                if item["key"] == "file":
                    hub["files"][item["value"]["path"]] = base64.b64decode(item["value"]["content"])
            prefix = "" if kind == "models" else f"{kind}/"
            return self._reply(200, {"commitUrl": f"{base}/{prefix}{repo}/commit/{'1' * 40}", "commitOid": "1" * 40})
        self._reply(404, {"error": "not here"})

    def log_message(self, *args):
        pass


@contextmanager
def fake_hub() -> Iterator[dict]:
    """Serve the stand-in on a free port; yields its state dict, with `endpoint` set."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    server.hub = {"created": [], "files": {}, "commits": [], "auth": set()}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.hub["endpoint"] = f"http://127.0.0.1:{server.server_port}"
    try:
        yield server.hub
    finally:
        server.shutdown()
        server.server_close()
