"""A hand-edited or conflicted `.mlscaffold-answers.yml`: `check` and `update` stop with one line
that names the problem and the remedy (exit 2), never a traceback, and touch nothing."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from mlscaffold.answers import ANSWERS_FILE
from mlscaffold.cli import main
from mlscaffold.scaffold import new_project

from .conftest import git

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8)
)
DEEP = "answers:\n  deep: " + "[" * 100 + "]" * 100 + "\n"
GOOD = "template: predictive-analytics\nversion: 0.1.0\nsource: builtin\nanswers:\n  project_name: p\n"

VARIANTS = {
    "empty": (b"", "not a mapping"),
    "a list": (b"- template\n- version\n", "not a mapping"),
    "plain text": (b"just some text\n", "not a mapping"),
    "broken YAML": (b"template: [unclosed\nversion: 1\n", "not valid YAML"),
    "tab indentation": (b"template: x\n\tversion: 1\n", "not valid YAML"),
    "conflict markers": (
        b"template: predictive-analytics\n<<<<<<< HEAD\nversion: 0.1.0\n"
        b"=======\nversion: 0.2.0\n>>>>>>> theirs\n",
        "conflict markers",
    ),
    "no template": (b"version: 0.1.0\nanswers: {}\n", "no 'template'"),
    "no version": (b"template: predictive-analytics\nanswers: {}\n", "no 'version'"),
    "template is a list": (b"template: [a, b]\nversion: 1\n", "'template' is not a str"),
    "version is yes": (b"template: predictive-analytics\nversion: yes\n", "'version' is not a str"),
    "answers is a list": (
        GOOD.split("answers:")[0].encode() + b"answers: [1, 2]\n",
        "'answers' is not a dict",
    ),
    "answer without a name": (GOOD.encode() + b"  1abc: x\n", "every answer needs a name"),
    "unknown format": (GOOD.encode() + b"format: hugo\n", "'format' must be one of"),
    "trust is a word": (GOOD.encode() + b"trust: maybe\n", "'trust' is not a bool"),
    "source is a number": (
        b"template: predictive-analytics\nversion: 1\nsource: 42\n",
        "'source' is not a str",
    ),
    "alias bomb": (BOMB.encode(), "nested YAML aliases"),
    "deep nesting": (DEEP.encode(), "nests deeper"),
    "huge": (b"x: " + b"y" * (1 << 20) + b"\n", "larger than"),
    "not UTF-8": (b"template: \xff\xfe\n", "not UTF-8"),
    "unknown template": (b"template: no-such-template\nversion: 1\nsource: builtin\n", "unknown template"),
}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated project, copied for each variant (rendering it once is the slow part)."""
    home = tmp_path_factory.mktemp("home")
    (home / ".gitconfig").write_text("[user]\n\tname = Test User\n\temail = test@example.com\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        return new_project("tabular", tmp_path_factory.mktemp("made") / "p", use_defaults=True).path


@pytest.fixture
def project(made: Path, tmp_path: Path, git_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", git_env["HOME"])
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return Path(shutil.copytree(made, tmp_path / "p", symlinks=True))


def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["mlscaffold", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    return int(exit_info.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_a_broken_answers_file_is_one_line_and_exit_2_for_check_and_update(
    project: Path, monkeypatch, capsys, variant: str
) -> None:
    content, fragment = VARIANTS[variant]
    (project / ANSWERS_FILE).write_bytes(content)
    status = git(project, "status", "--porcelain")
    head = git(project, "rev-parse", "HEAD")

    for command in (["check", str(project)], ["update", str(project), "--defaults"]):
        code, err = run_cli(monkeypatch, capsys, *command)
        assert code == 2, (command, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        assert fragment in err, err
    assert (project / ANSWERS_FILE).read_bytes() == content
    assert git(project, "status", "--porcelain") == status
    assert git(project, "rev-parse", "HEAD") == head


def test_a_missing_answers_file_says_where_it_should_be(project: Path, monkeypatch, capsys) -> None:
    (project / ANSWERS_FILE).unlink()
    code, err = run_cli(monkeypatch, capsys, "update", str(project), "--defaults")
    assert code == 2 and f"has no {ANSWERS_FILE}" in err and len(err.strip().splitlines()) == 1


def test_an_invalid_recorded_answer_stops_the_update_naming_the_choices(
    project: Path, monkeypatch, capsys
) -> None:
    answers = project / ANSWERS_FILE
    answers.write_text(answers.read_text().replace("license: MIT", "license: WTFPL"))
    code, err = run_cli(monkeypatch, capsys, "update", str(project), "--defaults")
    assert code == 2 and "license='WTFPL' is not one of the choices" in err
    assert len(err.strip().splitlines()) == 1
