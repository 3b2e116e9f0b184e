"""The end-to-end checks of every project's showcase verbs, as a user would run them:
`serve` over real HTTP, `demo` in headless Chromium, `space` run from a clean venv.

The browser is the system's Chromium (`.ci/run` installs it); Playwright drives it from the
project's own venv, through the project's `demo --screenshot`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from .projects import TORCH, latest_metrics, run

PNG = b"\x89PNG\r\n\x1a\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running(
    command: list[str | Path], cwd: Path, url: str, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Start a server, wait until `url` answers (failing with the server's output if it stops or
    takes over three minutes), yield `url`, then stop it."""
    log = Path(tempfile.mkstemp(suffix=".log")[1])
    merged = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(part) for part in command], cwd=cwd, env=merged, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{command} did not serve {url}:\n{log.read_text()[-6000:]}")
            try:
                if httpx.get(url, timeout=5).status_code < 500:
                    break
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.5)  # after a refusal or a 5xx alike: never a busy loop on the server
        try:
            yield url
        except AssertionError as error:  # what the server said is half of the story
            raise AssertionError(f"{error}\n--- the server's log ---\n{log.read_text()[-6000:]}") from None
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.unlink()


def check_serve(cli: Path, project: Path, valid: dict[str, Any], invalid: dict[str, Any], field: str) -> Any:
    """`serve`: /health names the latest run's model, a valid /predict answers, an invalid one
    gets a 422 that names `field` and no traceback, /docs is there; `serve --benchmark 100`
    writes p50/p95 into the run and `report` into the README. Returns the valid answer."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running([cli, "serve", "--port", port], project, f"{base}/health"):
        health = httpx.get(f"{base}/health").json()
        metrics = latest_metrics(project)
        assert health["status"] == "ok" and health["model"] == metrics["model"]["name"], health
        assert health["run"] == Path(metrics["run"]).name and health["version"] == "0.1.0", health
        answer = httpx.post(f"{base}/predict", timeout=60, **valid)
        assert answer.status_code == 200, answer.text
        refused = httpx.post(f"{base}/predict", timeout=60, **invalid)
        assert refused.status_code == 422, (refused.status_code, refused.text)
        assert field in refused.text and "Traceback" not in refused.text, refused.text
        assert "/predict" in httpx.get(f"{base}/openapi.json").json()["paths"]
        assert httpx.get(f"{base}/docs").status_code == 200

    printed = run([cli, "serve", "--benchmark", "100"], cwd=project)
    serving = latest_metrics(project)["serving"]
    assert serving["requests"] == 100 and 0 < serving["p50_ms"] <= serving["p95_ms"], serving
    assert f"p95 {serving['p95_ms']:.1f} ms" in printed
    run([cli, "report"], cwd=project)
    assert f"{serving['p95_ms']:.1f} ms (p95)" in (project / "README.md").read_text()
    return answer.json()


def check_demo(cli: Path, project: Path) -> str:
    """`demo --screenshot`: headless Chromium loads the app, submits an example and sees the
    output; the PNG is written and `report` shows it. Returns what the page showed."""
    shown = run([cli, "demo", "--screenshot", "reports/demo.png", "--port", free_port()], cwd=project)
    picture = project / "reports" / "demo.png"
    assert picture.read_bytes().startswith(PNG) and picture.stat().st_size > 10_000
    run([cli, "report"], cwd=project)
    assert "![The web demo](reports/demo.png)" in (project / "README.md").read_text()
    return shown


def check_space(cli: Path, project: Path, scratch: Path, torch: bool) -> str:
    """`space`: the folder has the Hub's metadata, installs from its requirements.txt alone into
    a clean venv (the project not installed), and its app.py serves the demo, which headless
    Chromium then uses. Returns what the page showed."""
    run([cli, "space"], cwd=project)
    space = project / "space"
    metadata = yaml.safe_load((space / "README.md").read_text(encoding="utf-8").split("---")[1])
    assert metadata["sdk"] == "gradio" and metadata["app_file"] == "app.py", metadata
    assert metadata["title"] and metadata["sdk_version"] and metadata["python_version"], metadata
    requirements = (space / "requirements.txt").read_text().splitlines()
    assert any(line.startswith("gradio") for line in requirements), requirements
    assert ("--extra-index-url https://download.pytorch.org/whl/cpu" in requirements) == torch

    venv.EnvBuilder(with_pip=True).create(scratch / "space-venv")
    python = scratch / "space-venv" / "bin" / "python"
    # No network here: the CPU-torch index is unreachable, so pip is told not to retry it.
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--retries", "0"]
    if torch:
        run([*pip, TORCH], cwd=space)
    run([*pip, "-r", "requirements.txt"], cwd=space)
    port = free_port()
    env = {"GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1", "PYTHONPATH": ""}
    with running([python, "app.py"], space, f"http://127.0.0.1:{port}/", env=env) as url:
        return run([cli, "demo", "--screenshot", scratch / "space.png", "--url", url], cwd=project)
