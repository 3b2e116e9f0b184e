"""`mlscaffold publish`: create the project's GitHub repository through the REST API, push main.

The token comes from GH_TOKEN, GITHUB_TOKEN or the GitHub CLI's saved login. It is sent only
in the Authorization header of requests to the API (HTTPS, or plain HTTP to this machine for a
stand-in server), redirects are not followed so it never reaches another host, and the push
gets it through git's environment as an HTTP header scoped to the new repository's URL: never
in an argument, a file, the remote URL or a message.

Nothing local changes before the repository exists, and a push that fails takes the `origin`
it added back: a failure leaves the project as it was.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import catalog, guard, lineage
from .answers import ANSWERS_FILE, github_cli_host, read_record
from .errors import GitError, Interrupted, MlscaffoldError, PushFailed, UsageError

API_URL = "https://api.github.com"
TIMEOUT = 30
MAX_RESPONSE = 1 << 20
# GitHub's rules: a repository name of letters, digits, '.', '-', '_'; a topic of lowercase
# letters, digits and hyphens, at most 50 characters, at most 20 of them.
REPOSITORY_NAME = re.compile(r"\A(?!\.{1,2}\Z)[A-Za-z0-9._-]{1,100}\Z")
TOPIC = re.compile(r"\A[a-z0-9][a-z0-9-]{0,49}\Z")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# The homepage by default: the Space `PACKAGE space --push` linked in the README.
SPACE_LINK = re.compile(r"<(https://[A-Za-z0-9.-]+/spaces/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)>")
README_LIMIT = 1 << 20
NO_TOKEN_REMEDY = "set GH_TOKEN to a token that may create repositories, or run `gh auth login`"


@dataclass(frozen=True)
class Published:
    url: str
    remote: str
    private: bool
    topics: tuple[str, ...]
    topics_error: str = ""


class ApiError(MlscaffoldError):
    """The API answered with an HTTP error; `detail` is its own message, without the token."""

    def __init__(self, message: str, remedy: str, status: int, detail: str) -> None:
        super().__init__(message, remedy)
        self.status = status
        self.detail = detail


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises the 3xx as an HTTPError: the token stays with this host


_OPENER = urllib.request.build_opener(_NoRedirects)


def publish(
    project: Path,
    *,
    name: str | None = None,
    private: bool = False,
    api_url: str = API_URL,
    homepage: str | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Published:
    """Create the repository under the token's account, set its topics, add `origin`, push main."""
    project = project.absolute()
    api_url = _checked_api_url(api_url)
    if not lineage.has_branch(project):
        raise UsageError(f"{project} has no main branch with a commit", "commit your work on main first")
    if (existing := lineage.remote_url(project)) is not None:
        raise UsageError(
            f"{project} already has an origin ({existing})", "push with `git push -u origin main` instead"
        )
    record = read_record(project) if (project / ANSWERS_FILE).is_file() else None
    answers = record.answers if record else {}
    name = name or str(answers.get("project_name") or project.name)
    if not REPOSITORY_NAME.match(name):
        raise UsageError(
            f"{name!r} is not a valid GitHub repository name", "pass --name with letters, digits, . - _"
        )
    topics = _topics(record.template) if record and record.source == "builtin" else ()
    token = find_token(api_url, environ)

    login = str(_call(api_url, token, "GET", "/user").get("login", ""))
    body = {"name": name, "private": private, "description": str(answers.get("description", ""))[:350]}
    homepage = homepage or space_url(project)
    if homepage:
        body["homepage"] = homepage
    try:
        created = _call(api_url, token, "POST", "/user/repos", body)
    except ApiError as error:
        if error.status == 422 and "already exists" in error.detail:
            raise UsageError(
                f"{login or 'your account'} already has a repository named {name}",
                "pass --name OTHER, or delete that repository on GitHub",
            ) from error
        raise
    url, remote = str(created.get("html_url", ""))[:200], str(created.get("clone_url", ""))
    url = url if url.isprintable() else ""
    owner = str((created.get("owner") or {}).get("login") or login)
    if not _trusted_remote(remote, api_url):
        raise MlscaffoldError(
            f"{api_url} created {name} but gave the clone URL {remote[:100]!r}, not an https:// one",
            "add the remote and push by hand",
        )

    # From here on the repository exists: whatever stops the run takes the `origin` it added back.
    finish = f"git -C {project} remote add origin {remote} && git -C {project} push -u origin main"
    try:
        topics_error = _set_topics(api_url, token, owner, name, topics)
        lineage.add_remote(project, remote)
        lineage.push(project, env=_push_credentials(remote, token))
    except (GitError, KeyboardInterrupt) as error:
        with guard.deferred_signals():
            if lineage.remote_url(project) == remote:
                lineage.remove_remote(project)
        if isinstance(error, KeyboardInterrupt):
            raise Interrupted(
                f"interrupted: {url or remote} was created; the project is unchanged",
                f"finish with: {finish}",
            ) from None
        raise PushFailed(
            f"created {url or remote}, but the push failed ({error.message}); the project is unchanged",
            f"push it yourself: {finish}",
        ) from error
    return Published(url or remote, remote, private, topics, topics_error)


def _set_topics(api_url: str, token: str, owner: str, name: str, topics: tuple[str, ...]) -> str:
    """Give the repository its topics; a refusal is reported, not fatal (the push matters more)."""
    if not topics:
        return ""
    try:
        _call(api_url, token, "PUT", f"/repos/{_quote(owner)}/{_quote(name)}/topics", {"names": topics})
    except ApiError as error:
        return str(error)
    return ""


def space_url(project: Path) -> str | None:
    """The Hugging Face Space a built-in project's `space --push` linked in its README (between
    its space markers), or None."""
    readme = project / "README.md"
    if not readme.is_file() or readme.stat().st_size > README_LIMIT:
        return None
    text = readme.read_text(encoding="utf-8", errors="replace")
    _, _, rest = text.partition("<!-- space:start -->")
    found = SPACE_LINK.search(rest.partition("<!-- space:end -->")[0])
    return found.group(1) if found else None


def find_token(api_url: str, environ: Mapping[str, str]) -> str:
    """GH_TOKEN, else GITHUB_TOKEN, else the GitHub CLI's login for the API's host."""
    for variable in ("GH_TOKEN", "GITHUB_TOKEN"):
        if token := environ.get(variable, "").strip():
            return token
    host = _web_host(api_url)
    saved = github_cli_host(host).get("oauth_token")
    if isinstance(saved, str) and saved.strip():
        return saved.strip()
    if gh := shutil.which("gh"):  # newer gh keeps the token in the system keyring
        try:
            done = subprocess.run(
                [gh, "auth", "token", "--hostname", host],
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired):
            done = None
        if done and done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
    raise MlscaffoldError(f"no GitHub token for {host}", NO_TOKEN_REMEDY)


def _call(api_url: str, token: str, method: str, path: str, body: object = None) -> dict[str, Any]:
    """One REST call; an HTTP error is an ApiError with GitHub's own message (token removed)."""
    request = urllib.request.Request(
        api_url + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "User-Agent": "mlscaffold",
            "X-GitHub-Api-Version": "2022-11-28",
        },
    )
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            raw = response.read(MAX_RESPONSE)
    except urllib.error.HTTPError as error:
        detail = _detail(error.read(MAX_RESPONSE), token)
        remedy = {
            401: NO_TOKEN_REMEDY,
            403: "use a token with the `repo` scope (fine-grained: Administration write)",
            404: "check --api-url",
        }.get(error.code, "check the message, then run publish again")
        message = f"{method} {path} answered {error.code}" + (f": {detail}" if detail else "")
        raise ApiError(message, remedy, error.code, detail) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise MlscaffoldError(
            f"cannot reach {api_url} ({reason})", "check the network or --api-url"
        ) from None
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise MlscaffoldError(f"{api_url}{path} did not answer with a JSON object", "check --api-url")
    return answer


def _detail(raw: bytes, token: str) -> str:
    """GitHub's error message and the first of its `errors`, printable, short, never the token."""
    try:
        answer = json.loads(raw)
    except ValueError:
        return ""
    if not isinstance(answer, dict):
        return ""
    parts = [str(answer.get("message", ""))]
    errors = answer.get("errors")
    if isinstance(errors, list) and errors:
        first = errors[0]
        parts.append(str(first.get("message", "")) if isinstance(first, dict) else str(first))
    text = " ".join(" - ".join(part for part in parts if part).split())
    text = "".join(char for char in text if char.isprintable()).replace(token, "***")
    return text[:200]


def _push_credentials(remote: str, token: str) -> dict[str, str]:
    """git configuration through its environment: the token as a header for this URL only."""
    if not remote.startswith("https://"):
        return {}  # a local path or ssh: nothing to send
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{remote}.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
    }


def _topics(template: str) -> tuple[str, ...]:
    try:
        topics = catalog.find_template(template).topics
    except MlscaffoldError:
        return ()
    return tuple(topic for topic in topics if TOPIC.match(topic))[:20]


def _checked_api_url(api_url: str) -> str:
    parts = urllib.parse.urlsplit(api_url)
    local = parts.scheme == "http" and parts.hostname in LOOPBACK
    if not parts.hostname or not (parts.scheme == "https" or local) or parts.query or parts.fragment:
        raise UsageError(
            f"--api-url {api_url!r} must be an https:// URL (http:// only to this machine)",
            "for GitHub Enterprise pass https://HOST/api/v3",
        )
    return api_url.rstrip("/")


def _trusted_remote(remote: str, api_url: str) -> bool:
    """An https:// URL; a stand-in API on this machine may give a local path (its bare repository)."""
    if remote.startswith("https://") and "\n" not in remote:
        return True
    local = urllib.parse.urlsplit(api_url).hostname in LOOPBACK
    return local and Path(remote).is_absolute() and remote.isprintable()


def _web_host(api_url: str) -> str:
    """github.com for the public API, else the Enterprise server's own host."""
    host = urllib.parse.urlsplit(api_url).hostname or ""
    return "github.com" if host == "api.github.com" else host


def _quote(part: str) -> str:
    return urllib.parse.quote(part, safe="")
