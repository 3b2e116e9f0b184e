"""`mlscaffold publish` against a stand-in for GitHub's REST API on 127.0.0.1.

GitHub cannot be reached from the tests, so a small HTTP server answers the three calls publish
makes (`GET /user`, `POST /user/repos`, `PUT /repos/OWNER/NAME/topics`) the way GitHub documents
them, and "creates" each repository as a local bare repository, whose path is the clone URL the
real client code then pushes to. Every failure must leave the project exactly as it was.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mlscaffold.catalog import find_template
from mlscaffold.publish import _push_credentials
from mlscaffold.scaffold import new_project

from .conftest import git

TOKEN = "ghp_standInToken1234567890"


class GitHub:
    """The stand-in: what it received, and how it answers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        self.taken: set[str] = set()
        self.status: dict[str, int] = {}  # path -> forced status
        self.clone_url: Callable[[str], str] = lambda name: str(self.root / f"{name}.git")
        self.url = ""
        self.topics_delay = 0.0

    def answer(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, dict]:
        self.requests.append((method, path, headers, body))
        if path in self.status:
            return self.status[path], {"message": f"Bad credentials {headers.get('Authorization')}"}
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"message": "Bad credentials"}
        if (method, path) == ("GET", "/user"):
            return 200, {"login": "octo"}
        if (method, path) == ("POST", "/user/repos"):
            if body["name"] in self.taken:
                taken = {"field": "name", "message": "name already exists on this account"}
                return 422, {"message": "Repository creation failed.", "errors": [taken]}
            self.taken.add(body["name"])
            subprocess.run(
                ["git", "init", "--bare", "-q", str(self.root / f"{body['name']}.git")], check=True
            )
            return 201, {
                "name": body["name"],
                "owner": {"login": "octo"},
                "html_url": f"https://github.example/octo/{body['name']}",
                "clone_url": self.clone_url(body["name"]),
            }
        if method == "PUT" and path.endswith("/topics"):
            time.sleep(self.topics_delay)
            return 200, {"names": body["names"]}
        return 404, {"message": "Not Found"}


@pytest.fixture
def github(tmp_path: Path) -> Iterator[GitHub]:
    state = GitHub(tmp_path / "remote")
    state.root.mkdir()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            if self.path == "/redirect/user":
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:9/user")
                self.end_headers()
                state.requests.append(("GET", self.path, dict(self.headers), None))
                return
            status, answer = state.answer(self.command, self.path, dict(self.headers), body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _handle

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def project(tmp_path: Path, env: dict[str, str]) -> Path:
    data = ["project_name=churn-model", "description=Predicts churn from usage"]
    return new_project("predictive-analytics", tmp_path / "churn-model", data=data, use_defaults=True).path


def state_of(project: Path) -> tuple[str, str, str]:
    """What a failure must not change: the config, the refs, the files' status."""
    return (
        (project / ".git" / "config").read_text(),
        git(project, "show-ref"),
        git(project, "status", "--porcelain", "--ignored"),
    )


def publish_env(env: dict[str, str], tmp_path: Path, token: str | None = TOKEN) -> dict[str, str]:
    """No gh on PATH, an empty GitHub CLI config, and the token (if any) in GH_TOKEN."""
    clean = {key: value for key, value in env.items() if key not in {"GH_TOKEN", "GITHUB_TOKEN"}}
    (tmp_path / "gh").mkdir(exist_ok=True)
    clean.update(GH_CONFIG_DIR=str(tmp_path / "gh"), PATH="/usr/bin:/bin")
    return {**clean, "GH_TOKEN": token} if token else clean


def test_publish_creates_the_repository_sets_topics_and_pushes_main(
    cli, github: GitHub, project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    result = cli("publish", project, "--api-url", github.url, env=publish_env(env, tmp_path))
    assert result.code == 0, result.stderr
    assert "Published https://github.example/octo/churn-model (public)" in result.stdout
    assert TOKEN not in result.stdout + result.stderr

    calls = [(method, path) for method, path, _, _ in github.requests]
    assert calls == [("GET", "/user"), ("POST", "/user/repos"), ("PUT", "/repos/octo/churn-model/topics")]
    created = github.requests[1][3]
    assert created == {"name": "churn-model", "private": False, "description": "Predicts churn from usage"}
    assert github.requests[2][3] == {"names": list(find_template("predictive-analytics").topics)}

    bare = github.root / "churn-model.git"
    assert git(bare, "rev-parse", "main") == git(project, "rev-parse", "HEAD")
    assert git(project, "remote", "get-url", "origin") == str(bare)
    assert git(project, "rev-parse", "--abbrev-ref", "main@{upstream}") == "origin/main"


def test_private_name_and_homepage_reach_the_api(
    cli, github: GitHub, project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    args = ["--private", "--name", "churn", "--homepage", "https://huggingface.co/spaces/octo/churn"]
    result = cli("publish", project, "--api-url", github.url, *args, env=publish_env(env, tmp_path))
    assert result.code == 0, result.stderr
    assert "(private)" in result.stdout
    assert github.requests[1][3] == {
        "name": "churn",
        "private": True,
        "description": "Predicts churn from usage",
        "homepage": "https://huggingface.co/spaces/octo/churn",
    }


def test_the_space_the_readme_links_is_the_default_homepage(
    cli, github: GitHub, project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    readme = project / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.index("<!-- space:start -->"), text.index("<!-- space:end -->")
    linked = "<!-- space:start -->\nLive demo: <https://huggingface.co/spaces/octo/churn>\n"
    readme.write_text(text[:start] + linked + text[end:], encoding="utf-8")
    git(project, "commit", "-qam", "Link the Space")
    result = cli("publish", project, "--api-url", github.url, env=publish_env(env, tmp_path))
    assert result.code == 0, result.stderr
    assert github.requests[1][3]["homepage"] == "https://huggingface.co/spaces/octo/churn"


def test_the_github_cli_login_gives_the_token(
    cli, github: GitHub, project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    run_env = publish_env(env, tmp_path, token=None)
    hosts = Path(run_env["GH_CONFIG_DIR"]) / "hosts.yml"
    hosts.write_text(f"127.0.0.1:\n    user: octo\n    oauth_token: {TOKEN}\n    git_protocol: https\n")
    result = cli("publish", project, "--api-url", github.url, env=run_env)
    assert result.code == 0, result.stderr
    assert github.requests[0][2]["Authorization"] == f"Bearer {TOKEN}"


def test_a_taken_name_is_one_line_and_changes_nothing(
    cli, github: GitHub, project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    github.taken.add("churn-model")
    before = state_of(project)
    result = cli("publish", project, "--api-url", github.url, env=publish_env(env, tmp_path))
    assert result.code == 2
    assert result.stderr.strip() == (
        "error: octo already has a repository named churn-model: "
        "pass --name OTHER, or delete that repository on GitHub"
    )
    assert state_of(project) == before


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("no token", 1, "no GitHub token for 127.0.0.1: set GH_TOKEN"),
        ("bad token", 1, "GET /user answered 401: Bad credentials"),
        ("forbidden", 1, "POST /user/repos answered 403: Bad credentials Bearer ***"),
        ("server down", 1, "cannot reach http://127.0.0.1:9 ("),
        ("redirect", 1, "GET /user answered 302"),
        ("plain http", 2, "--api-url 'http://example.com' must be an https:// URL"),
        ("not git", 2, "is not a git repository"),
    ],
)
def test_failures_are_one_line_keep_the_token_secret_and_change_nothing(
    cli,
    github: GitHub,
    project: Path,
    env: dict[str, str],
    tmp_path: Path,
    case: str,
    code: int,
    message: str,
) -> None:
    run_env = publish_env(env, tmp_path, token=None if case == "no token" else TOKEN)
    api_url = github.url
    if case == "bad token":
        run_env["GH_TOKEN"] = "wrong"
    elif case == "forbidden":
        github.status["/user/repos"] = 403  # and the answer echoes the token back
    elif case == "server down":
        api_url = "http://127.0.0.1:9"
    elif case == "redirect":
        api_url = github.url + "/redirect"
    elif case == "plain http":
        api_url = "http://example.com"
    elif case == "not git":
        subprocess.run(["rm", "-rf", str(project / ".git")], check=True)
    before = None if case == "not git" else state_of(project)

    result = cli("publish", project, "--api-url", api_url, env=run_env)
    assert result.code == code, result.stderr
    assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert TOKEN not in result.stdout + result.stderr
    if before is not None:
        assert state_of(project) == before
    if case == "redirect":  # the redirect was not followed (port 9 would refuse it anyway)
        assert [path for _, path, _, _ in github.requests] == ["/redirect/user"]
    if case == "forbidden":
        assert not list(github.root.iterdir())


def test_an_existing_origin_is_refused_before_any_request(
    cli, github: GitHub, project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    git(project, "remote", "add", "origin", "git@github.com:octo/elsewhere.git")
    before = state_of(project)
    result = cli("publish", project, "--api-url", github.url, env=publish_env(env, tmp_path))
    assert result.code == 2
    assert "already has an origin (git@github.com:octo/elsewhere.git)" in result.stderr
    assert github.requests == [] and state_of(project) == before


def test_a_failed_push_takes_its_origin_back(
    cli, github: GitHub, project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    github.clone_url = lambda name: str(tmp_path / "nowhere" / f"{name}.git")
    before = state_of(project)
    result = cli("publish", project, "--api-url", github.url, env=publish_env(env, tmp_path))
    assert result.code == 4
    assert "created https://github.example/octo/churn-model, but the push failed" in result.stderr
    assert "push it yourself: git -C" in result.stderr
    assert state_of(project) == before


def test_the_push_credentials_are_a_header_for_the_new_repository_only() -> None:
    remote = "https://github.com/octo/churn-model.git"
    env = _push_credentials(remote, TOKEN)
    assert env["GIT_CONFIG_KEY_0"] == f"http.{remote}.extraHeader"
    assert env["GIT_CONFIG_VALUE_0"].startswith("Authorization: Basic ")
    assert TOKEN not in json.dumps(env)  # base64: never the token's own text in a git variable
    assert _push_credentials("/srv/git/churn-model.git", TOKEN) == {}


def test_a_hostile_clone_url_is_refused_before_git_sees_it(
    cli, github: GitHub, project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    github.clone_url = lambda name: "ext::sh -c touch% /tmp/pwned"
    before = state_of(project)
    result = cli("publish", project, "--api-url", github.url, env=publish_env(env, tmp_path))
    assert result.code == 1
    assert "gave the clone URL 'ext::sh -c touch% /tmp/pwned', not an https:// one" in result.stderr
    assert state_of(project) == before


def test_an_interrupt_after_the_repository_exists_says_so_and_changes_nothing(
    github: GitHub, project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    github.topics_delay = 30
    before = state_of(project)
    command = [sys.executable, "-m", "mlscaffold", "publish", str(project), "--api-url", github.url]
    process = subprocess.Popen(
        command, env=publish_env(env, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not any(method == "PUT" for method, *_ in github.requests) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr.strip() == (
        "interrupted: https://github.example/octo/churn-model was created; the project is unchanged: "
        f"finish with: git -C {project} remote add origin {github.root / 'churn-model.git'} && "
        f"git -C {project} push -u origin main"
    )
    assert state_of(project) == before
