"""Hostile templates and answers, both formats, through the real CLI.

Each case is a small template in a local git repository, or an answers file, that tries to run
`touch PWNED` (or write that file), to write outside the project, to plant a `.git` that git would
obey, or to exhaust memory. `new` runs it with DEST inside another git repository; `update` runs
it as the next release of a benign template, or as the project's recorded answers. Either way: no
marker anywhere, nothing written outside DEST, no other repository changed, the expected exit
code with one line and no traceback, and nothing left behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from .conftest import Result, git

# Every git command here, the tests' own included, uses the test identity.
pytestmark = pytest.mark.usefixtures("env")

MARKER = "PWNED"
CC = "{{cookiecutter.slug}}/"
SANDBOX = "sandbox forbids"
UNSAFE_GIT = "which git would read as a repository"
TOO_BIG = "expands to more than"
BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)
)


def jinja(expression: str) -> str:
    return "{{ " + expression + " }}"


def gadgets(command: str) -> dict[str, str]:
    """Template text that would run the shell command held in the variable `command` (or write
    the file it names, or leak a function), were the sandbox not there."""
    return {
        "cycler": jinja(f"cycler.__init__.__globals__.os.system({command})"),
        "lipsum": jinja(f"lipsum.__globals__['os'].system({command})"),
        "joiner": jinja(f"joiner.__init__.__globals__['os'].system({command})"),
        "attr-filter": jinja(f"(cycler|attr('__init__')|attr('__globals__'))['os'].system({command})"),
        "self-reference": jinja(
            f"self._TemplateReference__context.cycler.__init__.__globals__.os.system({command})"
        ),
        "open-write": jinja(f"cycler.__init__.__globals__.__builtins__.open({command}[6:], 'w').write('x')"),
        "format-string": jinja("'{0.__init__.__globals__[os].system}'.format(cycler)"),
        "mro-subclasses": (
            "{% for k in ''.__class__.__mro__[1].__subclasses__() %}{% if k.__name__ == 'Popen' %}"
            + jinja(f"k({command}, shell=True)")
            + "{% endif %}{% endfor %}"
        ),
    }


CC_GADGET = gadgets("cookiecutter.cmd")["cycler"]
COPIER_GADGET = gadgets("cmd")["cycler"]

# --- the benign templates every case starts from ------------------------------------------------

CC_JSON = {
    "project_name": "Demo",
    "slug": "demo",
    "description": "plain",
    "license": ["MIT", "BSD-3-Clause"],
    "meta": {"k": "v"},
}
CC_FILES = {
    f"{CC}README.md": "# {{ cookiecutter.project_name }}\n",
    f"{CC}about.txt": "{{ cookiecutter.description }}|{{ cookiecutter.meta }}\n",
}
COPIER_SPEC = {
    "project_name": "Demo",
    "description": "plain",
    "meta": {"type": "yaml", "default": {"k": "v"}},
}
COPIER_FILES = {
    "README.md.jinja": "# {{ project_name }}\n",
    "about.txt.jinja": "{{ description }}|{{ meta }}\n",
}
BENIGN = {
    "cookiecutter": {"cookiecutter.json": json.dumps(CC_JSON), **CC_FILES},
    "copier": {"copier.yml": yaml.safe_dump(COPIER_SPEC, sort_keys=False), **COPIER_FILES},
}
# What a payload runs: a variable each hostile template adds, so that a project's recorded answers
# (made from the benign release) never hold another test's command.
CMD = {"cmd": "touch @MARKER@"}


def cc(variables: Mapping | None = None, files: Mapping[str, str] | None = None, base: bool = True) -> dict:
    """A cookiecutter template: the benign one with more variables and files (or only these)."""
    context = {**CC_JSON, **CMD, **(variables or {})}
    return {"cookiecutter.json": json.dumps(context), **(CC_FILES if base else {}), **(files or {})}


def cp(questions: Mapping | None = None, files: Mapping[str, str] | None = None, spec: str = "") -> dict:
    """A copier template: the benign one with more questions and files, or another copier.yml."""
    text = spec or yaml.safe_dump({**COPIER_SPEC, **CMD, **(questions or {})}, sort_keys=False)
    return {"copier.yml": text, **COPIER_FILES, **(files or {})}


HOOK_MARKER = "import os\nos.system('touch @MARKER@')\n"
EVIL_EXTENSION = (
    "import os\nfrom jinja2.ext import Extension\nos.system('touch @MARKER@')\n\n"
    "class Evil(Extension):\n    pass\n"
)


@dataclass(frozen=True)
class Case:
    """One hostile template or answers file, and what mlscaffold must answer."""

    name: str
    kind: str
    files: Mapping[str, str]
    code: int
    says: str  # in the one line of error; or, when the render goes ahead, in what it prints
    args: tuple[str, ...] = ()
    answers: str = ""  # an answers file for `new`, the recorded answers for `update`
    links: Mapping[str, str] = field(default_factory=dict)
    literal: str = ""  # code 0: text the project's about.txt must hold as it is
    update: bool = True

    def __str__(self) -> str:
        return self.name


def _gadget_cases() -> list[Case]:
    """Every gadget in a file's contents, both formats. Jinja's `attr` filter turns the unsafe
    attribute into an undefined value without the sandbox's error, so that one fails further on.
    `update` renders with the same function as `new`: one gadget per format goes through it."""
    says = {"attr-filter": "has no attribute '__globals__'"}
    cases = []
    for name, text in gadgets("cookiecutter.cmd").items():
        files = cc(files={f"{CC}x.txt": text})
        cases.append(
            Case(
                f"cookiecutter-content-{name}",
                "cookiecutter",
                files,
                1,
                says.get(name, SANDBOX),
                update=name == "cycler",
            )
        )
    for name, text in gadgets("cmd").items():
        files = cp(files={"x.txt.jinja": text})
        cases.append(
            Case(
                f"copier-content-{name}", "copier", files, 1, says.get(name, SANDBOX), update=name == "cycler"
            )
        )
    return cases


CASES = [
    *_gadget_cases(),
    # cookiecutter: code wherever cookiecutter renders, whatever the delimiters
    Case("cookiecutter-file-name", "cookiecutter", cc(files={f"{CC}{CC_GADGET}.txt": "x"}), 1, SANDBOX),
    Case("cookiecutter-folder-name", "cookiecutter", cc(files={f"{CC}{CC_GADGET}/x.txt": "x"}), 1, SANDBOX),
    Case("cookiecutter-default", "cookiecutter", cc({"evil": CC_GADGET}), 1, SANDBOX),
    Case("cookiecutter-private-computed", "cookiecutter", cc({"__evil": CC_GADGET}), 1, SANDBOX),
    Case("cookiecutter-dict-default", "cookiecutter", cc({"evil_dict": {"k": CC_GADGET}}), 1, SANDBOX),
    Case("cookiecutter-choice-option", "cookiecutter", cc({"evil_choice": [CC_GADGET, "b"]}), 1, SANDBOX),
    Case(
        "cookiecutter-delimiters-gadget-in-name",
        "cookiecutter",
        cc(
            {"_jinja2_env_vars": {"variable_start_string": "<<", "variable_end_string": ">>"}},
            {"<<cookiecutter.slug>>/<< cycler.__init__.__globals__.os.system(cookiecutter.cmd) >>.txt": "x"},
            base=False,
        ),
        1,
        SANDBOX,
    ),
    Case(
        "cookiecutter-delimiters-absolute-path",
        "cookiecutter",
        cc(
            {
                "_jinja2_env_vars": {"variable_start_string": "<<", "variable_end_string": ">>"},
                "evil": "@ESCAPE@",
            },
            {"<<cookiecutter.slug>>/README.md": "x", "<<cookiecutter.slug>>/<<cookiecutter.evil>>": "x"},
            base=False,
        ),
        1,
        "outside the project",
    ),
    Case(
        "cookiecutter-line-statements",
        "cookiecutter",
        cc(
            {"_jinja2_env_vars": {"line_statement_prefix": "%%"}},
            {f"{CC}x.txt": "%% for k in ''.__class__.__mro__[1].__subclasses__()\n%% endfor\n"},
        ),
        1,
        SANDBOX,
    ),
    Case(
        "cookiecutter-parent-folder",
        "cookiecutter",
        cc({"evil": "../../escaped"}, {f"{CC}{{{{cookiecutter.evil}}}}/x.txt": "x"}),
        1,
        "outside the project",
    ),
    Case(
        "cookiecutter-absolute-file",
        "cookiecutter",
        cc({"evil": "@ESCAPE@"}, {f"{CC}{{{{cookiecutter.evil}}}}": "x"}),
        1,
        "outside the project",
    ),
    # cookiecutter: a `.git`, whatever its spelling
    Case(
        "cookiecutter-git-folder-with-hooks",
        "cookiecutter",
        cc(
            {"g": ".git"},
            {
                f"{CC}{{{{cookiecutter.g}}}}/config": "[core]\n\tfsmonitor = touch @MARKER@\n",
                f"{CC}{{{{cookiecutter.g}}}}/hooks/post-commit": "#!/bin/sh\ntouch @MARKER@\n",
            },
        ),
        1,
        UNSAFE_GIT,
    ),
    Case(
        "cookiecutter-git-file-to-another-repository",
        "cookiecutter",
        cc({"g": ".git"}, {f"{CC}{{{{cookiecutter.g}}}}": "gitdir: ../../.git\n"}),
        1,
        UNSAFE_GIT,
    ),
    *[
        Case(
            f"cookiecutter-git-spelled-{label}",
            "cookiecutter",
            cc({"g": name}, {f"{CC}{{{{cookiecutter.g}}}}/config": "x"}),
            1,
            UNSAFE_GIT,
        )
        for label, name in [
            ("Git", ".Git"),
            ("trailing-dot", ".git."),
            ("trailing-space", ".git "),
            ("8.3", "git~1"),
        ]
    ],
    Case(
        "cookiecutter-project-folder-is-git",
        "cookiecutter",
        cc({"g": ".git"}, {"{{cookiecutter.g}}/HEAD": "ref: refs/heads/main\n"}, base=False),
        1,
        UNSAFE_GIT,
    ),
    Case(
        "cookiecutter-link-outside-the-template",
        "cookiecutter",
        cc(),
        1,
        "outside",
        links={f"{CC}secret.txt": "@SECRET@"},
    ),
    # cookiecutter: inputs past their bounds
    Case(
        "cookiecutter-json-too-large", "cookiecutter", cc({"description": "x" * (1 << 20)}), 2, "larger than"
    ),
    Case(
        "cookiecutter-json-too-deep",
        "cookiecutter",
        {
            **cc(),
            "cookiecutter.json": json.dumps(CC_JSON)[:-1]
            + ', "deep": '
            + "[" * 100_000
            + "]" * 100_000
            + "}",
        },
        2,
        "nests deeper",
    ),
    Case("cookiecutter-json-too-wide", "cookiecutter", cc({"wide": {"k": [0] * 150_000}}), 2, TOO_BIG),
    # cookiecutter: what only --trust allows
    Case(
        "cookiecutter-extension-untrusted",
        "cookiecutter",
        cc(
            {"_extensions": ["local_extensions.Evil"]},
            {"local_extensions.py": EVIL_EXTENSION, f"{CC}x.txt": "{{ 'x' | evil }}"},
        ),
        1,
        "--trust",
    ),
    Case(
        "cookiecutter-hooks-untrusted",
        "cookiecutter",
        cc(
            files={
                "hooks/pre_prompt.py": HOOK_MARKER,
                "hooks/pre_gen_project.py": HOOK_MARKER,
                "hooks/post_gen_project.py": HOOK_MARKER,
            }
        ),
        0,
        "cookiecutter hooks (post_gen_project.py, pre_gen_project.py, pre_prompt.py)",
    ),
    Case(
        "cookiecutter-trusted-hook-makes-a-fifo",
        "cookiecutter",
        cc(files={"hooks/post_gen_project.py": "import os\nos.mkfifo('pipe')\n"}),
        1,
        "neither a file nor a folder",
        args=("--trust",),
        update=False,
    ),
    Case(
        "cookiecutter-trusted-hook-runs-git-init",
        "cookiecutter",
        cc(files={"hooks/post_gen_project.py": "import subprocess\nsubprocess.run(['git', 'init', '-q'])\n"}),
        1,
        UNSAFE_GIT,
        args=("--trust",),
        update=False,
    ),
    Case(
        "cookiecutter-trusted-hook-makes-a-link",
        "cookiecutter",
        cc(files={"hooks/post_gen_project.py": "import os\nos.symlink('@SECRET@', 'secret.txt')\n"}),
        1,
        "link",
        args=("--trust",),
        update=False,
    ),
    # cookiecutter: answers are data, whatever their shape
    Case(
        "cookiecutter-nested-answers-stay-text",
        "cookiecutter",
        cc(),
        0,
        "",
        answers=yaml.safe_dump(
            {
                "description": CC_GADGET,
                "meta": {
                    "k": gadgets("cookiecutter.cmd")["lipsum"],
                    "{{ 7 * 7 }}": ["{{ 7 * 7 }}", {"{% if 1 %}": "{#"}],
                },
            }
        ),
        literal="{{ 7 * 7 }}",
    ),
    Case(
        "cookiecutter-answer-not-a-choice",
        "cookiecutter",
        cc(),
        2,
        "choices",
        answers="license: '{{ 7 * 7 }}'\n",
    ),
    Case(
        "cookiecutter-answer-sets-a-setting",
        "cookiecutter",
        cc(),
        2,
        "template settings",
        args=("-d", "_jinja2_env_vars={}"),
    ),
    Case("cookiecutter-answers-alias-bomb", "cookiecutter", cc(), 2, TOO_BIG, answers=BOMB),
    # copier: code in names, defaults, choices and validators (contents are above)
    Case("copier-file-name", "copier", cp(files={f"{COPIER_GADGET}.txt": "x"}), 1, SANDBOX),
    Case("copier-default", "copier", cp({"evil": {"type": "str", "default": COPIER_GADGET}}), 1, SANDBOX),
    Case(
        "copier-choices",
        "copier",
        cp({"evil": {"type": "str", "default": "b", "choices": [COPIER_GADGET, "b"]}}),
        1,
        SANDBOX,
    ),
    Case(
        "copier-validator",
        "copier",
        cp({"evil": {"type": "str", "default": "x", "validator": COPIER_GADGET}}),
        1,
        "is unsafe",  # copier reports a validator's error as the validation message
    ),
    # copier: a `.git`, whatever its spelling, with copier's own exclusions overridden
    Case(
        "copier-git-folder-with-hooks",
        "copier",
        cp(
            {"g": ".git", "_exclude": []},
            {
                "{{ g }}/config": "[core]\n\tfsmonitor = touch @MARKER@\n",
                "{{ g }}/hooks/post-commit": "#!/bin/sh\ntouch @MARKER@\n",
            },
        ),
        1,
        UNSAFE_GIT,
    ),
    Case(
        "copier-git-file-to-another-repository",
        "copier",
        cp({"_exclude": []}, {".git.jinja": "gitdir: ../../.git\n"}),
        1,
        UNSAFE_GIT,
    ),
    *[
        Case(f"copier-git-spelled-{label}", "copier", cp({"g": name}, {"{{ g }}/config": "x"}), 1, UNSAFE_GIT)
        for label, name in [("GIT", ".GIT"), ("hfs-ignored-character", ".g\u200cit"), ("8.3", "git~1")]
    ],
    # copier: paths out of the project, links
    Case(
        "copier-parent-folder", "copier", cp({"evil": "../escaped"}, {"{{ evil }}.txt": "x"}), 1, "forbidden"
    ),
    Case("copier-absolute-path", "copier", cp({"evil": "@ESCAPE@"}, {"{{ evil }}": "x"}), 1, "forbidden"),
    Case(
        "copier-answers-file-outside",
        "copier",
        cp(
            {"_answers_file": "../escaped.yml"},
            {"{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml }}"},
        ),
        1,
        "escaped.yml",
    ),
    Case(
        "copier-preserved-link",
        "copier",
        cp({"_preserve_symlinks": True}),
        1,
        "link",
        links={"link.md": "README.md.jinja"},
    ),
    # copier: inputs past their bounds
    Case("copier-config-alias-bomb", "copier", cp(spec=yaml.safe_dump(COPIER_SPEC) + BOMB), 2, TOO_BIG),
    Case(
        "copier-config-include-bomb",
        "copier",
        {**cp(spec="---\n!include extra.yml\n---\n" + yaml.safe_dump(COPIER_SPEC)), "extra.yml": BOMB},
        2,
        TOO_BIG,
    ),
    Case(
        "copier-config-include-loop",
        "copier",
        cp(spec="---\n!include copier.yml\n---\n" + yaml.safe_dump(COPIER_SPEC)),
        2,
        "includes more than",
    ),
    Case(
        "copier-config-too-large",
        "copier",
        cp(spec=yaml.safe_dump(COPIER_SPEC) + "#" * (1 << 20) + "\n"),
        2,
        "larger than",
    ),
    Case(
        "copier-config-too-deep",
        "copier",
        cp({"deep": {"default": json.loads("[" * 70 + "]" * 70)}}),
        2,
        "nests deeper",
    ),
    Case("copier-yaml-answer-bomb", "copier", cp(), 2, TOO_BIG, answers=yaml.safe_dump({"meta": BOMB})),
    Case(
        "copier-from-yaml-bomb",
        "copier",
        cp({"blob": {"type": "str", "default": BOMB}}, {"x.txt.jinja": "{{ blob | from_yaml | length }}"}),
        2,
        TOO_BIG,
    ),
    # copier: what only --trust allows
    Case(
        "copier-expandvars", "copier", cp(files={"x.txt.jinja": "{{ '$HOME' | expandvars }}"}), 1, "--trust"
    ),
    Case("copier-fileglob", "copier", cp(files={"x.txt.jinja": "{{ '/etc/*' | fileglob }}"}), 1, "--trust"),
    Case(
        "copier-extension-untrusted",
        "copier",
        cp(
            {"_jinja_extensions": ["evil_extension.Evil"]},
            {"evil_extension.py": EVIL_EXTENSION, "x.txt.jinja": "{{ 'x' | evil }}"},
        ),
        1,
        "--trust",
    ),
    Case(
        "copier-tasks-untrusted",
        "copier",
        cp({"_tasks": ["touch @MARKER@"], "_migrations": [{"version": "v0", "command": "touch @MARKER@"}]}),
        0,
        "copier migrations",
    ),
    # copier: answers are data, whatever their shape
    Case(
        "copier-nested-answers-stay-text",
        "copier",
        cp(),
        0,
        "",
        answers=yaml.safe_dump({"description": COPIER_GADGET, "meta": {"k": [COPIER_GADGET, "{{ 7 * 7 }}"]}}),
        literal="{{ 7 * 7 }}",
    ),
    Case("copier-answer-sets-a-setting", "copier", cp(), 2, "template settings", args=("-d", "_exclude=[]")),
    Case("copier-answers-alias-bomb", "copier", cp(), 2, TOO_BIG, answers=BOMB),
]


# --- running a case ---------------------------------------------------------------------------


@dataclass
class Setting:
    """A test's folders: the CLI runs with its temporary folder and working folder inside `root`,
    so that anything it writes or leaves behind shows in `root`'s listing."""

    root: Path
    run: Callable[..., Result]

    @property
    def marker(self) -> Path:
        return self.root / MARKER

    def text(self, text: str) -> str:
        return (
            text.replace("@MARKER@", str(self.marker))
            .replace("@ESCAPE@", str(self.root / "escaped"))
            .replace("@SECRET@", str(self.root / "secret.txt"))
        )

    def write(self, folder: Path, case: Case) -> None:
        for name, text in case.files.items():
            path = folder / self.text(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.text(text), encoding="utf-8")
        for name, target in case.links.items():
            (folder / name).symlink_to(self.text(target))

    def assert_clean(self, result: Result, case: Case) -> None:
        """The exit code and its one line, and no payload ran."""
        assert result.code == case.code, (result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        if case.code:
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and case.says in lines[0], result.stderr
        else:
            assert case.says in result.stdout
        assert not self.marker.exists()
        assert not list(self.root.rglob(f"{MARKER}*"))


@pytest.fixture
def setting(tmp_path: Path, cli: Callable[..., Result], env: dict[str, str]) -> Setting:
    (tmp_path / "tmp").mkdir()
    (tmp_path / "work").mkdir()
    (tmp_path / "secret.txt").write_text("the user's secret\n")
    run_env = {**env, "TMPDIR": str(tmp_path / "tmp")}
    return Setting(tmp_path, lambda *args: cli(*args, cwd=tmp_path / "work", env=run_env))


def commit_all(folder: Path, message: str) -> None:
    git(folder, "add", "--all")
    git(folder, "commit", "-q", "--allow-empty", "-m", message)


def repository(folder: Path) -> Path:
    git(folder, "init", "-q", "-b", "main")
    commit_all(folder, "first")
    return folder


def listing(root: Path, skip: Path | None = None) -> dict[str, str]:
    """Every path under `root` (but `skip`) and what it is: a file's content hash, a link's target."""
    found = {}
    for folder, folders, files in os.walk(root):
        folders[:] = [name for name in folders if Path(folder, name) != skip]
        for name in folders + files:
            path = Path(folder, name)
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                found[str(path)] = f"link to {os.readlink(path)}"
            elif stat.S_ISREG(mode):
                found[str(path)] = hashlib.sha1(path.read_bytes()).hexdigest()
            else:
                found[str(path)] = "folder" if stat.S_ISDIR(mode) else "special"
    return found


def repository_state(folder: Path, ignore: str = "") -> tuple[str, bytes, list[str]]:
    """HEAD, the index file's bytes, and `git status` (read without refreshing the index)."""
    status = git(folder, "--no-optional-locks", "status", "--porcelain", "--untracked-files=all")
    lines = [line for line in status.splitlines() if not (ignore and line.startswith(f"?? {ignore}"))]
    return git(folder, "rev-parse", "HEAD"), (folder / ".git" / "index").read_bytes(), lines


# --- new ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=str)
def test_new_with_a_hostile_template_or_answers_runs_nothing_and_writes_nothing_outside(
    case: Case, setting: Setting
) -> None:
    template = setting.root / "template"
    setting.write(template, case)
    repository(template)
    answers = setting.root / "answers.yml"
    answers.write_text(setting.text(case.answers or "{}\n"))
    outer = setting.root / "outer"
    outer.mkdir()
    (outer / "work.txt").write_text("the user's own work\n")
    repository(outer)
    dest = outer / "p"
    before, outer_before = listing(setting.root), repository_state(outer)

    result = setting.run("new", template, dest, "--defaults", "--answers-file", answers, *case.args)

    setting.assert_clean(result, case)
    assert listing(setting.root, skip=dest) == before
    assert repository_state(outer, ignore="p/") == outer_before
    if case.code:
        assert not dest.exists()
    else:
        assert git(dest, "status", "--porcelain") == ""
        assert case.literal in (dest / "about.txt").read_text()


# --- update -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """A benign template repository at v1.0.0 and a pristine project made from it."""

    repo: Path
    project: Path


@pytest.fixture(scope="module")
def releases() -> dict[str, Release]:
    """The benign release of each format, made by the first test that needs it."""
    return {}


def benign_release(setting: Setting, kind: str, releases: dict[str, Release], home: Path) -> Release:
    if kind not in releases:
        repo, project = home / f"{kind}-template", home / f"{kind}-project"
        setting.write(repo, Case("benign", kind, BENIGN[kind], 0, ""))
        repository(repo)
        git(repo, "tag", "v1.0.0")
        made = setting.run("new", repo, project, "--defaults")
        assert made.code == 0, made.stderr
        releases[kind] = Release(repo, project)
    return releases[kind]


UPDATE_CASES = [case for case in CASES if case.update]


@pytest.mark.parametrize("case", UPDATE_CASES, ids=str)
def test_update_to_a_hostile_release_or_with_hostile_recorded_answers_changes_nothing(
    case: Case, setting: Setting, releases: dict[str, Release], tmp_path_factory: pytest.TempPathFactory
) -> None:
    release = benign_release(setting, case.kind, releases, tmp_path_factory.getbasetemp())
    git(release.repo, "reset", "-q", "--hard", "v1.0.0")
    git(release.repo, "clean", "-qfdx")
    for tag in git(release.repo, "tag", "--list").split():
        if tag != "v1.0.0":
            git(release.repo, "tag", "-d", tag)
    for path in release.repo.iterdir():
        if path.name != ".git":
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    setting.write(release.repo, case)
    commit_all(release.repo, f"release {case.name}")
    git(release.repo, "tag", "v2.0.0")
    project = setting.root / "project"
    if case.answers and not case.code:  # answers `new` took as data are recorded, and used again
        answers = setting.root / "answers.yml"
        answers.write_text(setting.text(case.answers))
        made = setting.run(
            "new", release.repo, project, "--defaults", "--vcs-ref", "v1.0.0", "--answers-file", answers
        )
        assert made.code == 0, made.stderr
    else:
        shutil.copytree(release.project, project, symlinks=True)
        git(project, "status", "--porcelain")  # the copy's index learns its files' new stat data
    if case.answers and case.code:  # a record no `new` would write: edited, or from elsewhere
        record = project / ".mlscaffold-answers.yml"
        record.write_text(record.read_text() + textwrap.indent(setting.text(case.answers), "  "))
        commit_all(project, "hostile answers")
    before, state = listing(setting.root), repository_state(project)

    result = setting.run("update", project, "--defaults", *case.args)

    setting.assert_clean(result, case)
    if case.code:
        assert repository_state(project) == state
        assert listing(setting.root) == before
    else:
        outside = {path: what for path, what in before.items() if not Path(path).is_relative_to(project)}
        assert listing(setting.root, skip=project) == outside
        assert case.literal in (project / "about.txt").read_text()


# --- links that are not symbolic --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["cookiecutter", "copier"])
def test_a_hard_link_in_a_template_folder_becomes_an_independent_copy(kind: str, setting: Setting) -> None:
    secret = setting.root / "secret.txt"
    template = setting.root / "template"
    setting.write(template, Case("hard link", kind, BENIGN[kind], 0, ""))
    os.link(secret, template / (CC if kind == "cookiecutter" else "") / "linked.txt")
    dest = setting.root / "p"

    result = setting.run("new", template, dest, "--defaults")

    assert result.code == 0, result.stderr
    copy = dest / "linked.txt"
    assert copy.read_text() == secret.read_text()
    assert copy.stat().st_nlink == 1 and not copy.samefile(secret)
