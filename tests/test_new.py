"""`mlscaffold new`: the render, the git bootstrap, and every way it refuses bad input."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from mlscaffold import render
from mlscaffold.catalog import tomllib
from mlscaffold.errors import TemplateError
from mlscaffold.scaffold import new_project

from .conftest import git


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_new_with_defaults_makes_a_committed_project_on_main(cli, tmp_path: Path) -> None:
    dest = tmp_path / "churn"
    result = cli("new", "tabular", dest, "--defaults")
    assert result.code == 0, result.stderr
    assert git(dest, "branch", "--show-current") == "main"
    assert git(dest, "rev-list", "--count", "HEAD") == "1"
    assert git(dest, "status", "--porcelain") == ""
    assert git(dest, "log", "-1", "--format=%an <%ae>") == "Test User <test@example.com>"
    assert "Mlscaffold-Render: predictive-analytics" in git(dest, "log", "-1", "--format=%B")
    record = yaml.safe_load((dest / ".mlscaffold-answers.yml").read_text())
    assert record["template"] == "predictive-analytics"
    assert record["answers"]["task"] == "classification"
    assert (dest / "src" / "my_ml_project" / "__main__.py").is_file()
    assert "MIT License" in (dest / "LICENSE").read_text()
    assert not list(tmp_path.glob(".mlscaffold-*")), "the staging folder must be gone"


def test_answers_from_options_and_a_file_reach_the_project(cli, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("project_name: house-prices\nlicense: none\n")
    dest = tmp_path / "prices"
    result = cli(
        "new", "predictive-analytics", dest, "--answers-file", answers,
        "-d", "task=regression", "-d", "model=linear", "-d", "package_name=prices", "--no-git",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    record = yaml.safe_load((dest / ".mlscaffold-answers.yml").read_text())["answers"]
    assert (record["project_name"], record["task"], record["model"]) == (
        "house-prices", "regression", "linear"
    )  # fmt: skip
    assert (dest / "src" / "prices").is_dir()
    assert not (dest / "LICENSE").exists()
    assert not (dest / ".git").exists()


@pytest.mark.parametrize("license_id", ["Apache-2.0", "BSD-3-Clause", "GPL-3.0"])
def test_each_licence_renders_its_text(cli, tmp_path: Path, license_id: str) -> None:
    dest = tmp_path / "p"
    assert cli("new", "tabular", dest, "--defaults", "--no-git", "-d", f"license={license_id}").code == 0
    text = (dest / "LICENSE").read_text()
    expected = {"Apache-2.0": "Apache License", "BSD-3-Clause": "BSD 3-Clause", "GPL-3.0": "GNU GENERAL"}
    assert expected[license_id] in text


def test_an_empty_destination_folder_is_used(cli, tmp_path: Path) -> None:
    dest = tmp_path / "empty"
    dest.mkdir()
    assert cli("new", "tabular", dest, "--defaults", "--no-git").code == 0
    assert (dest / "README.md").is_file()


def assert_one_line_error(result, code: int, *fragments: str) -> None:
    assert result.code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_unknown_template_names_the_templates_and_the_closest(cli, tmp_path: Path) -> None:
    result = cli("new", "predictive-analitics", tmp_path / "x", "--defaults")
    assert_one_line_error(result, 2, "unknown template", "did you mean 'predictive-analytics'")
    assert not (tmp_path / "x").exists()


def test_a_non_empty_destination_is_refused_and_left_untouched(cli, tmp_path: Path) -> None:
    dest = tmp_path / "mine"
    dest.mkdir()
    (dest / "notes.txt").write_text("my work")
    before = snapshot(dest)
    result = cli("new", "tabular", dest, "--defaults")
    assert_one_line_error(result, 2, "not empty")
    assert snapshot(dest) == before


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ("package_name=1abc", "lower-case Python identifier"),
        ("task=clustering", "use one of: classification, regression"),
        ("task", "use -d KEY=VALUE"),
        ("colour=red", "unknown question"),
    ],
)
def test_bad_answers_are_one_line_errors_and_write_nothing(cli, tmp_path, data, fragment) -> None:
    result = cli("new", "tabular", tmp_path / "x", "--defaults", "-d", data)
    assert_one_line_error(result, 2, fragment)
    assert list(tmp_path.iterdir()) == []


def test_missing_git_is_reported_and_no_git_still_works(cli, git_env, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = Path(os.sys.executable)
    (bin_dir / "python").symlink_to(python)
    env = {**git_env, "PATH": str(bin_dir)}
    result = cli("new", "tabular", tmp_path / "x", "--defaults", env=env)
    assert_one_line_error(result, 1, "git is not installed", "--no-git")
    assert not (tmp_path / "x").exists()
    assert cli("new", "tabular", tmp_path / "x", "--defaults", "--no-git", env=env).code == 0


def test_without_a_git_identity_the_author_answers_sign_the_commit(cli, git_env, tmp_path) -> None:
    home = tmp_path / "bare-home"
    home.mkdir()
    env = {**git_env, "HOME": str(home), "XDG_CONFIG_HOME": str(home)}
    dest = tmp_path / "p"
    result = cli(
        "new", "tabular", dest, "--defaults", "-d", "author_name=Ada", "-d", "author_email=ada@x.org", env=env
    )
    assert result.code == 0, result.stderr
    assert git(dest, "log", "-1", "--format=%an <%ae>") == "Ada <ada@x.org>"
    assert "git config --global user.name" in result.stdout


def test_remote_and_push_reach_a_bare_repository(cli, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--bare", "-q", str(remote)], check=True)
    dest = tmp_path / "p"
    result = cli("new", "tabular", dest, "--defaults", "--remote", remote, "--push")
    assert result.code == 0, result.stderr
    assert git(remote, "rev-parse", "main") == git(dest, "rev-parse", "HEAD")
    assert git(dest, "rev-parse", "--abbrev-ref", "main@{upstream}") == "origin/main"


def test_a_failed_push_keeps_the_project_and_says_what_to_run(cli, tmp_path: Path) -> None:
    dest = tmp_path / "p"
    result = cli("new", "tabular", dest, "--defaults", "--remote", tmp_path / "nowhere.git", "--push")
    assert_one_line_error(result, 4, "push failed", f"git -C {dest} push -u origin main")
    assert git(dest, "rev-list", "--count", "HEAD") == "1"
    assert git(dest, "remote", "get-url", "origin") == str(tmp_path / "nowhere.git")


def test_push_without_a_remote_is_refused_before_anything_is_written(cli, tmp_path) -> None:
    result = cli("new", "tabular", tmp_path / "p", "--defaults", "--push")
    assert_one_line_error(result, 2, "--remote URL")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("failure", [KeyboardInterrupt(), TemplateError("boom")])
def test_an_interrupted_or_failed_render_leaves_nothing_behind(monkeypatch, tmp_path, failure) -> None:
    real_verify = render.verify

    def verify_then_fail(project: Path) -> None:
        real_verify(project)
        assert (project / "README.md").is_file()  # the render really happened...
        raise failure  # ...and then the user pressed Ctrl-C, or a check failed

    monkeypatch.setattr(render, "verify", verify_then_fail)
    with pytest.raises(type(failure)):
        new_project("tabular", tmp_path / "p", use_defaults=True, git=False)
    assert list(tmp_path.iterdir()) == []


def test_a_destination_under_missing_folders_is_created(cli, tmp_path: Path) -> None:
    dest = tmp_path / "a" / "b" / "p"
    assert cli("new", "tabular", dest, "--defaults", "--no-git").code == 0
    assert (dest / "pyproject.toml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]


def test_version_prints_the_package_version(cli) -> None:
    from mlscaffold import __version__

    result = cli("--version")
    assert result.code == 0 and result.stdout.strip() == f"mlscaffold {__version__}"


def test_git_is_not_required_on_path_for_list(cli, git_env, tmp_path: Path) -> None:
    env = {**git_env, "PATH": str(tmp_path)}
    assert cli("list", env=env).code == 0
    assert shutil.which("git")  # the rest of the suite does use the real git


def test_on_a_terminal_each_question_is_asked_and_bad_answers_asked_again(git_env, tmp_path) -> None:
    import pty
    import select
    import sys

    dest = tmp_path / "p"
    replies = [
        "churn-model",
        "Not An Identifier",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "y",
        "regression",
        "linear",
    ]
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlscaffold", "new", "tabular", str(dest), "--no-git"],
        stdin=terminal, stdout=terminal, stderr=terminal, env=git_env,
    )  # fmt: skip
    os.close(terminal)
    os.write(controller, ("\n".join(replies) + "\n").encode())
    screen = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
    assert process.wait(timeout=60) == 0, screen.decode(errors="replace")
    text = screen.decode(errors="replace")
    assert "lower-case Python identifier" in text  # the bad package name was refused, then asked again
    answers = yaml.safe_load((dest / ".mlscaffold-answers.yml").read_text())["answers"]
    assert answers["project_name"] == "churn-model"
    assert answers["package_name"] == "churn_model"
    assert (answers["task"], answers["model"]) == ("regression", "linear")
    assert (answers["web_demo"], answers["space_workflow"]) == (True, True)


def test_defaults_take_the_author_and_github_login_from_git_config(cli, git_env, tmp_path) -> None:
    (Path(git_env["HOME"]) / ".gitconfig").write_text(
        "[user]\n\tname = Ada Lovelace\n\temail = ada@example.org\n[github]\n\tuser = ada-l\n"
    )
    dest = tmp_path / "p"
    result = cli("new", "tabular", dest, "--defaults", "--no-git")
    assert result.code == 0, result.stderr
    assert "Placeholders" not in result.stdout + result.stderr
    answers = yaml.safe_load((dest / ".mlscaffold-answers.yml").read_text())["answers"]
    assert (answers["author_name"], answers["author_email"], answers["github_user"]) == (
        "Ada Lovelace", "ada@example.org", "ada-l"
    )  # fmt: skip
    assert "github.com/ada-l/my-ml-project/actions" in (dest / "README.md").read_text()


def test_placeholders_that_reach_the_project_are_named_in_one_line(cli, git_env, tmp_path) -> None:
    home = tmp_path / "bare-home"
    home.mkdir()
    env = {**git_env, "HOME": str(home), "XDG_CONFIG_HOME": str(home)}
    result = cli("new", "tabular", tmp_path / "p", "--defaults", "--no-git", "-d", "author_name=Ada", env=env)
    assert result.code == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if "Placeholders" in line]
    assert "author_email, github_user" in line and "author_name" not in line.split(".")[0]
    assert "git config --global github.user" in line and "mlscaffold update -d" in line


def test_an_answer_cannot_add_anything_to_pyproject_toml(tmp_path) -> None:
    crafted = 'Ada" } ] # \\" email = "x@y'  # closes the string, the table and the array
    project = new_project(
        "tabular", tmp_path / "p", data=[f"author_name={crafted}"], use_defaults=True, git=False
    )
    metadata = tomllib.loads((project.path / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert [author["name"] for author in metadata["authors"]] == [crafted]
