"""A generated project's `space --push` code against a stand-in Hugging Face Hub on 127.0.0.1.

The real Hub needs a network; the code under test is the project's own space.py and the real
`huggingface_hub` client, pointed at the stand-in with HF_ENDPOINT. Building and running the
Space folder itself is tested end to end, per template, in tests/e2e/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlscaffold.scaffold import new_project

from .hub_standin import Hub, standin_hub

PUSH = (
    "import sys\n"
    "from pathlib import Path\n"
    "from churn_model.space import link_space, push\n"
    "url = push(Path(sys.argv[1]), sys.argv[2])\n"
    "link_space(Path('README.md'), url)\n"
    "print(url)\n"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("space")
    data = ["project_name=churn-model"]
    return new_project("chatbot", root / "churn-model", data=data, use_defaults=True).path


@pytest.fixture
def hub() -> Iterator[Hub]:
    with standin_hub() as hub:
        yield hub


@pytest.fixture
def space(tmp_path: Path) -> Path:
    """A Space folder as `space` writes one (its content does not matter to the upload)."""
    folder = tmp_path / "space"
    (folder / "run").mkdir(parents=True)
    (folder / "README.md").write_text("---\ntitle: churn-model\nsdk: gradio\napp_file: app.py\n---\n")
    (folder / "app.py").write_text("print('demo')\n")
    (folder / "run" / "model.joblib").write_bytes(os.urandom(5000))
    return folder


def push(
    project: Path, hub: Hub, space: Path, space_id: str, token: str | None
) -> subprocess.CompletedProcess:
    """Run the project's push code as `space --push` does, in a fresh interpreter."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HF_")}
    env.update(HF_ENDPOINT=hub.url, HF_HOME=str(space.parent / "hf-home"), PYTHONPATH=str(project / "src"))
    if token:
        env["HF_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-c", PUSH, str(space), space_id],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_push_creates_the_space_uploads_the_folder_and_links_it(project: Path, hub: Hub, space: Path) -> None:
    readme = (project / "README.md").read_text(encoding="utf-8")
    try:
        result = push(project, hub, space, "octo/churn-demo", hub.token)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"{hub.url}/spaces/octo/churn-demo"
        assert hub.spaces["octo/churn-demo"]["type"] == "space"
        assert hub.spaces["octo/churn-demo"]["sdk"] == "gradio"
        uploaded = hub.files["octo/churn-demo"]
        files = [path for path in space.rglob("*") if path.is_file()]
        on_disk = {path.relative_to(space).as_posix(): path.read_bytes() for path in files}
        assert uploaded == on_disk
        assert hub.validated == [(space / "README.md").read_text()]
        linked = (project / "README.md").read_text(encoding="utf-8")
        assert f"Live demo: <{hub.url}/spaces/octo/churn-demo>" in linked
        assert "No Space yet" not in linked
        assert hub.token not in result.stdout + result.stderr
    finally:
        (project / "README.md").write_text(readme, encoding="utf-8")


@pytest.mark.parametrize(
    ("space_id", "token", "expected"),
    [
        ("octo/churn-demo", None, "no Hugging Face token: set HF_TOKEN or run `hf auth login`"),
        ("octo/taken", "standin", "could not push to octo/taken: "),
        ("octo/churn-demo", "hf_wrong_token_123", "could not push to octo/churn-demo: "),
    ],
    ids=["no-token", "not-yours", "bad-token"],
)
def test_a_failed_push_is_one_line_without_the_token(
    project: Path, hub: Hub, space: Path, space_id: str, token: str | None, expected: str
) -> None:
    hub.taken.add("octo/taken")
    token = hub.token if token == "standin" else token
    readme = (project / "README.md").read_text(encoding="utf-8")
    result = push(project, hub, space, space_id, token)
    assert result.returncode == 1
    assert result.stderr.startswith(expected) and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr and (token or "hf_") not in result.stderr + result.stdout
    assert (project / "README.md").read_text(encoding="utf-8") == readme
    assert not hub.files


def test_an_unreachable_hub_is_one_line(project: Path, hub: Hub, space: Path) -> None:
    hub.url = "http://127.0.0.1:9"  # the discard port: nothing listens
    result = push(project, hub, space, "octo/churn-demo", "hf_some_token_456")
    assert result.returncode == 1
    assert result.stderr.startswith("could not push to octo/churn-demo: ") and result.stderr.count("\n") == 1
    assert "hf_some_token_456" not in result.stderr


def test_the_space_id_is_checked_before_anything_runs(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "churn_model", "space", "--push", "octo/bad name"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project / "src")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "give a Space as USER/NAME" in result.stderr
    assert not (project / "space").exists()


@pytest.mark.parametrize("out", [".", "src", "notes"])
def test_space_never_replaces_a_folder_it_did_not_write(project: Path, out: str) -> None:
    (project / "notes").mkdir(exist_ok=True)
    (project / "notes" / "mine.md").write_text("my own notes\n")
    before = sorted(str(path) for path in project.rglob("*"))
    result = subprocess.run(
        [sys.executable, "-m", "churn_model", "space", "--out", out, "--run", "runs/any"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project / "src"), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr == f"{out} exists and is not a Space folder: choose another --out\n"
    assert sorted(str(path) for path in project.rglob("*")) == before
