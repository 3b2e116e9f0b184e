"""A stand-in for the Hugging Face Hub's API on 127.0.0.1: what `huggingface_hub` calls to create
a Space and upload a folder to it (create, preupload, commit), recorded for the tests to read.

The real Hub cannot be reached from the tests; the client code under test is the real
`huggingface_hub`, pointed here with HF_ENDPOINT.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Hub:
    url: str = ""
    token: str = "hf_standin_secret_token"
    taken: set[str] = field(default_factory=set)  # Space ids that belong to someone else
    spaces: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> create request
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)  # id -> path -> content
    validated: list[str] = field(default_factory=list)  # READMEs sent to /api/validate-yaml
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, auth


def _handler(hub: Hub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            hub.requests.append(("GET", self.path, self.headers.get("Authorization", "")))
            self._reply(404, {"error": f"not in the stand-in: GET {self.path}"})

        def do_POST(self) -> None:
            body = self._body()
            auth = self.headers.get("Authorization", "")
            hub.requests.append(("POST", self.path, auth))
            if auth != f"Bearer {hub.token}":
                self._reply(401, {"error": "Invalid credentials in Authorization header"})
                return
            parts = self.path.split("?")[0].strip("/").split("/")
            if parts[:3] == ["api", "repos", "create"]:
                request = json.loads(body)
                space = f"{request.get('organization') or 'me'}/{request['name']}"
                if space in hub.taken:
                    self._reply(403, {"error": f"You don't have the rights to create {space}"})
                    return
                hub.spaces[space] = request
                self._reply(200, {"url": f"{hub.url}/spaces/{space}", "name": space})
            elif parts == ["api", "validate-yaml"]:  # the README's metadata block, before a commit
                hub.validated.append(json.loads(body)["content"])
                self._reply(200, {"errors": [], "warnings": []})
            elif parts[:2] == ["api", "spaces"] and parts[4:5] == ["preupload"]:
                paths = [entry["path"] for entry in json.loads(body)["files"]]
                modes = [{"path": path, "uploadMode": "regular", "shouldIgnore": False} for path in paths]
                self._reply(200, {"files": modes, "commitOid": "0" * 40})
            elif parts[:2] == ["api", "spaces"] and parts[4:5] == ["commit"]:
                space = f"{parts[2]}/{parts[3]}"
                received = hub.files.setdefault(space, {})
                for line in body.decode().splitlines():
                    entry = json.loads(line)
                    if entry["key"] == "file":
                        value = entry["value"]
                        received[value["path"]] = base64.b64decode(value["content"])
                self._reply(200, {"commitUrl": f"{hub.url}/spaces/{space}/commit/1", "commitOid": "1" * 40})
            else:
                self._reply(404, {"error": f"not in the stand-in: POST {self.path}"})

    return Handler


@contextmanager
def standin_hub() -> Iterator[Hub]:
    hub = Hub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub))
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
