"""Third-party copier and cookiecutter templates: from a folder or a git repository, rendered
safely (untrusted by default), and updatable when the template gets a new tag."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import git

# Every git command here, the tests' own included, uses the test identity.
pytestmark = pytest.mark.usefixtures("env")

COOKIECUTTER_JSON = {
    "project_name": "Demo",
    "slug": "{{ cookiecutter.project_name.lower() }}",
    "license": ["MIT", "BSD-3-Clause"],
}
NOTES = "".join(f"line {i:02d}\n" for i in range(1, 31))


def make_repo(folder: Path, files: dict[str, str], tag: str = "v1.0.0") -> Path:
    """A git repository holding `files`, committed and tagged."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(folder, "init", "-q", "-b", "main")
    release(folder, tag)
    return folder


def release(folder: Path, tag: str) -> None:
    git(folder, "add", "--all")
    git(folder, "commit", "-q", "-m", f"release {tag}")
    git(folder, "tag", tag)


def cookiecutter_files(prefix: str = "") -> dict[str, str]:
    return {
        f"{prefix}cookiecutter.json": json.dumps(COOKIECUTTER_JSON),
        f"{prefix}{{{{cookiecutter.slug}}}}/README.md": "# {{ cookiecutter.project_name }}\n",
        f"{prefix}{{{{cookiecutter.slug}}}}/notes.txt": NOTES,
        f"{prefix}{{{{cookiecutter.slug}}}}/LICENSE": "{{ cookiecutter.license }}\n",
    }


def copier_files() -> dict[str, str]:
    spec = {
        "project_name": {"type": "str", "default": "Demo"},
        "license": {"type": "str", "default": "MIT", "choices": ["MIT", "BSD-3-Clause"]},
    }
    return {
        "copier.yml": yaml.safe_dump(spec),
        "README.md.jinja": "# {{ project_name }}\n",
        "notes.txt": NOTES,
        "LICENSE.jinja": "{{ license }}\n",
    }


@pytest.fixture
def cookiecutter_repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "cc-template", cookiecutter_files())


@pytest.fixture
def copier_repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "copier-template", copier_files())


def record(project: Path) -> dict:
    return yaml.safe_load((project / ".mlscaffold-answers.yml").read_text())


def edit_line(path: Path, number: int, text: str) -> None:
    lines = path.read_text().splitlines()
    lines[number - 1] = text
    path.write_text("\n".join(lines) + "\n")


def assert_refused(result, fragment: str) -> None:
    assert result.code != 0, result.stdout
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert fragment in result.stderr


# --- generate and update, both formats -----------------------------------------------------


@pytest.mark.parametrize("kind", ["cookiecutter", "copier"])
def test_a_git_template_is_generated_then_updated_after_a_new_tag(cli, tmp_path, kind, request) -> None:
    repo = request.getfixturevalue(f"{kind}_repo")
    dest = tmp_path / "project"
    result = cli("new", repo, dest, "--defaults", "-d", "project_name=Churn", "-d", "license=BSD-3-Clause")
    assert result.code == 0, result.stderr
    assert (dest / "README.md").read_text() == "# Churn\n"
    assert (dest / "LICENSE").read_text() == "BSD-3-Clause\n"
    answers = record(dest)
    assert (answers["format"], answers["version"], answers["source"]) == (kind, "v1.0.0", str(repo))
    assert answers["answers"]["project_name"] == "Churn"
    assert git(dest, "rev-list", "--count", "HEAD") == "1"
    assert cli("check", dest).code == 0

    edit_line(dest / "notes.txt", 3, "user line 3")
    git(dest, "commit", "-q", "-am", "my work")
    template_root = repo / "{{cookiecutter.slug}}" if kind == "cookiecutter" else repo
    edit_line(template_root / "notes.txt", 25, "template line 25")
    release(repo, "v1.1.0")

    outdated = cli("check", dest)
    assert outdated.code == 1 and "v1.1.0" in outdated.stdout
    updated = cli("update", dest, "--defaults")
    assert updated.code == 0, updated.stderr
    notes = (dest / "notes.txt").read_text()
    assert "user line 3" in notes and "template line 25" in notes
    assert (dest / "LICENSE").read_text() == "BSD-3-Clause\n"  # the recorded answers were reused
    assert record(dest)["version"] == "v1.1.0"
    assert git(dest, "status", "--porcelain") == ""
    assert "Already up to date" in cli("update", dest, "--defaults").stdout


def test_vcs_ref_picks_an_older_tag(cli, tmp_path, copier_repo) -> None:
    edit_line(copier_repo / "notes.txt", 1, "v2 header")
    release(copier_repo, "v2.0.0")
    dest = tmp_path / "p"
    assert cli("new", copier_repo, dest, "--defaults", "--vcs-ref", "v1.0.0").code == 0
    assert (dest / "notes.txt").read_text().startswith("line 01")
    assert record(dest)["version"] == "v1.0.0"


def test_a_cookiecutter_template_in_a_sub_folder(cli, tmp_path) -> None:
    repo = make_repo(tmp_path / "many", cookiecutter_files("templates/basic/"))
    dest = tmp_path / "p"
    missing = cli("new", repo, dest, "--defaults")
    assert_refused(missing, "--directory")
    assert cli("new", repo, dest, "--defaults", "--directory", "templates/basic").code == 0
    assert (dest / "README.md").read_text() == "# Demo\n"
    assert record(dest)["directory"] == "templates/basic"


def test_a_plain_folder_template_renders_without_git(cli, tmp_path) -> None:
    folder = tmp_path / "folder-template"
    for name, text in copier_files().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    dest = tmp_path / "p"
    assert cli("new", folder, dest, "--defaults").code == 0
    assert record(dest)["version"] == "local"


def test_an_unreachable_git_url_is_a_one_line_error(cli, tmp_path) -> None:
    result = cli("new", f"file://{tmp_path}/nowhere.git", tmp_path / "p", "--defaults")
    assert_refused(result, "cannot clone")
    assert not (tmp_path / "p").exists()


# --- hostile templates ----------------------------------------------------------------------


def outside_and_dest_are_clean(tmp_path: Path) -> None:
    assert not (tmp_path / "p").exists()
    assert not list(tmp_path.rglob("escaped*")), list(tmp_path.rglob("escaped*"))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mlscaffold-")]


@pytest.mark.parametrize("evil", ["../../escaped", "ABSOLUTE/escaped-abs"])
def test_a_cookiecutter_name_rendering_outside_the_project_is_refused(cli, tmp_path, evil) -> None:
    files = cookiecutter_files()
    evil = evil.replace("ABSOLUTE", str(tmp_path))
    files["cookiecutter.json"] = json.dumps({**COOKIECUTTER_JSON, "evil": evil})
    files["{{cookiecutter.slug}}/{{cookiecutter.evil}}/f.txt"] = "x"
    repo = make_repo(tmp_path / "evil", files)
    assert_refused(cli("new", repo, tmp_path / "p", "--defaults"), "outside the project")
    outside_and_dest_are_clean(tmp_path)


def test_a_copier_name_rendering_to_a_parent_folder_is_refused(cli, tmp_path) -> None:
    files = copier_files()
    spec = yaml.safe_load(files["copier.yml"])
    files["copier.yml"] = yaml.safe_dump({**spec, "evil": {"type": "str", "default": "../escaped"}})
    files["{{ evil }}.txt"] = "x"
    repo = make_repo(tmp_path / "evil", files)
    result = cli("new", repo, tmp_path / "p", "--defaults")
    assert_refused(result, "forbidden")
    outside_and_dest_are_clean(tmp_path)


@pytest.mark.parametrize("kind", ["cookiecutter", "copier"])
def test_a_symlink_to_a_file_outside_the_template_is_refused(cli, tmp_path, kind, request) -> None:
    repo = request.getfixturevalue(f"{kind}_repo")
    secret = tmp_path / "secret.txt"
    secret.write_text("do not copy me")
    inside = repo / "{{cookiecutter.slug}}" if kind == "cookiecutter" else repo
    (inside / "link.txt").symlink_to(secret)
    release(repo, "v1.0.1")
    result = cli("new", repo, tmp_path / "p", "--defaults")
    assert_refused(result, "outside")
    assert not (tmp_path / "p").exists()


LOCAL_EXTENSION = (
    "from cookiecutter.utils import simple_filter\n\n\n"
    "@simple_filter\ndef shout(text):\n    return text.upper() + '!'\n"
)


def rich_cookiecutter_files(trusted: bool) -> dict[str, str]:
    """A cookiecutter template using what real ones use: private and computed variables, dict
    and choice variables, cookiecutter's own filters and tags, copy-only files, Jinja settings;
    trusted, also a local extension and hooks (pre_prompt, post_gen_project)."""
    context = {
        "project_name": "Demo Project",
        "slug": "{{ cookiecutter.project_name | slugify }}",
        "license": ["MIT", "BSD-3-Clause"],
        "settings": {"name": "{{ cookiecutter.project_name | lower }}", "debug": False},
        "_copy_without_render": ["*.raw"],
        "_jinja2_env_vars": {"trim_blocks": True, "lstrip_blocks": True},
        "__year": "{% now 'utc', '%Y' %}",
    }
    files = {
        "{{cookiecutter.slug}}/README.md": (
            "# {{ cookiecutter.project_name }} ({{ cookiecutter.__year }})\n"
            "{% if cookiecutter.license == 'MIT' %}\n  MIT licensed\n{% endif %}\n"
        ),
        "{{cookiecutter.slug}}/settings.json": "{{ cookiecutter.settings | jsonify }}\n",
        "{{cookiecutter.slug}}/{{cookiecutter.slug}}/__init__.py": "NAME = '{{ cookiecutter.slug }}'\n",
        "{{cookiecutter.slug}}/data.raw": "{{ not rendered }}\n",
    }
    if trusted:
        context["_extensions"] = ["local_extensions.shout"]
        files["local_extensions.py"] = LOCAL_EXTENSION
        files["{{cookiecutter.slug}}/SHOUT.txt"] = "{{ cookiecutter.project_name | shout }}\n"
        files["hooks/post_gen_project.py"] = "open('hooked.txt', 'w').write('{{ cookiecutter.slug }}')\n"
        files["hooks/pre_prompt.py"] = (
            "import json\ncontext = json.load(open('cookiecutter.json'))\n"
            "context['project_name'] = 'Prompted'\njson.dump(context, open('cookiecutter.json', 'w'))\n"
        )
    return {"cookiecutter.json": json.dumps(context), **files}


def rich_copier_files() -> dict[str, str]:
    """A copier template using computed defaults, typed and choice questions, Jinja settings,
    includes, a rendered folder name and a file copied as it is."""
    spec = {
        "project_name": {"type": "str", "default": "Demo Project"},
        "slug": {"type": "str", "default": "{{ project_name | lower | replace(' ', '-') }}"},
        "license": {"type": "str", "default": "MIT", "choices": ["MIT", "BSD-3-Clause"]},
        "settings": {"type": "yaml", "default": {"debug": False}},
        "_envops": {"trim_blocks": True},
        "_exclude": ["partials", "copier.yml"],
    }
    return {
        "copier.yml": yaml.safe_dump(spec, sort_keys=False),
        "partials/header.jinja": "# {{ project_name }}\n",
        "README.md.jinja": (
            "{% include 'partials/header.jinja' %}\n{% if license == 'MIT' %}\nMIT\n{% endif %}\n"
        ),
        "{{ slug }}/settings.yml.jinja": "{{ settings | to_nice_yaml }}",
        "data.raw": "{{ not rendered }}\n",
    }


def files_of(folder: Path) -> dict[str, bytes]:
    """A project's files, but what only mlscaffold adds (its repository and answers file)."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not {".git", ".mlscaffold-answers.yml"} & set(path.relative_to(folder).parts)
    }


@pytest.mark.parametrize(
    ("kind", "trusted"),
    [("cookiecutter", False), ("cookiecutter", True), ("copier", False), ("copier", True)],
)
def test_a_benign_template_gives_the_native_tool_s_files(cli, tmp_path, kind, trusted) -> None:
    template = tmp_path / "template"
    files = rich_cookiecutter_files(trusted) if kind == "cookiecutter" else rich_copier_files()
    for name, text in files.items():
        (template / name).parent.mkdir(parents=True, exist_ok=True)
        (template / name).write_text(text)
    native = tmp_path / "native"
    if kind == "cookiecutter":
        from cookiecutter.main import cookiecutter

        native = Path(
            cookiecutter(str(template), no_input=True, output_dir=str(native), accept_hooks=trusted)
        )
    else:
        import copier

        copier.run_copy(str(template), native, defaults=True, quiet=True, unsafe=trusted)

    dest = tmp_path / "p"
    result = cli("new", template, dest, "--defaults", *(["--trust"] if trusted else []))
    assert result.code == 0, result.stderr
    assert "README.md" in files_of(dest)
    assert files_of(dest) == files_of(native)
    if kind == "cookiecutter" and trusted:
        assert (dest / "SHOUT.txt").read_text() == "PROMPTED!\n"
        assert (dest / "hooked.txt").read_text() == "prompted"


def test_a_cookiecutter_template_with_a_local_extension_renders_only_when_trusted(cli, tmp_path) -> None:
    files = cookiecutter_files()
    files["cookiecutter.json"] = json.dumps({**COOKIECUTTER_JSON, "_extensions": ["local_extensions.shout"]})
    files["local_extensions.py"] = LOCAL_EXTENSION
    files["{{cookiecutter.slug}}/README.md"] = "# {{ cookiecutter.project_name | shout }}\n"
    repo = make_repo(tmp_path / "ext", files)

    untrusted = cli("new", repo, tmp_path / "p", "--defaults")
    assert_refused(untrusted, "pass --trust if you trust it")
    assert "shout" in untrusted.stderr and untrusted.code == 1
    assert not (tmp_path / "p").exists()

    trusted = cli("new", repo, tmp_path / "q", "--defaults", "--trust")
    assert trusted.code == 0, trusted.stderr
    assert (tmp_path / "q" / "README.md").read_text() == "# DEMO!\n"
    assert record(tmp_path / "q")["trust"] is True


def test_cookiecutter_hooks_run_only_with_trust(cli, tmp_path, cookiecutter_repo) -> None:
    marker = tmp_path / "hook-ran"
    hooks = cookiecutter_repo / "hooks"
    hooks.mkdir()
    (hooks / "post_gen_project.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    release(cookiecutter_repo, "v1.0.1")

    untrusted = cli("new", cookiecutter_repo, tmp_path / "p", "--defaults")
    assert untrusted.code == 0, untrusted.stderr
    assert "Skipped cookiecutter hooks (post_gen_project.py)" in untrusted.stdout
    assert "--trust" in untrusted.stdout
    assert not marker.exists()

    trusted = cli("new", cookiecutter_repo, tmp_path / "q", "--defaults", "--trust")
    assert trusted.code == 0, trusted.stderr
    assert marker.exists()


def test_copier_tasks_run_only_with_trust(cli, tmp_path, copier_repo) -> None:
    marker = tmp_path / "task-ran"
    spec = yaml.safe_load((copier_repo / "copier.yml").read_text())
    spec["_tasks"] = [f"touch {marker}"]
    (copier_repo / "copier.yml").write_text(yaml.safe_dump(spec))
    release(copier_repo, "v1.0.1")

    untrusted = cli("new", copier_repo, tmp_path / "p", "--defaults")
    assert untrusted.code == 0, untrusted.stderr
    assert "Skipped copier tasks" in untrusted.stdout
    assert not marker.exists()

    assert cli("new", copier_repo, tmp_path / "q", "--defaults", "--trust").code == 0
    assert marker.exists()


@pytest.mark.parametrize("kind", ["cookiecutter", "copier"])
def test_an_answer_with_template_syntax_stays_literal_text(cli, tmp_path, kind, request) -> None:
    repo = request.getfixturevalue(f"{kind}_repo")
    dest = tmp_path / "p"
    result = cli("new", repo, dest, "--defaults", "-d", "project_name={{ 7 * 7 }}")
    assert result.code == 0, result.stderr
    assert (dest / "README.md").read_text() == "# {{ 7 * 7 }}\n"
    assert record(dest)["answers"]["project_name"] == "{{ 7 * 7 }}"


def test_a_folder_that_is_no_template_is_a_one_line_error(cli, tmp_path) -> None:
    folder = tmp_path / "nothing"
    folder.mkdir()
    (folder / "README.md").write_text("hi")
    assert_refused(
        cli("new", folder, tmp_path / "p", "--defaults"), "neither copier.yml nor cookiecutter.json"
    )


# --- plugins --------------------------------------------------------------------------------


def test_a_plugin_template_is_listed_and_generated(cli, tmp_path, env) -> None:
    site = tmp_path / "site"
    package = site / "ml_plugin"
    template = package / "template"
    for name, text in copier_files().items():
        (template / name).parent.mkdir(parents=True, exist_ok=True)
        (template / name).write_text(text)
    (template / "template.toml").write_text(
        'specialization = "Time series"\ndescription = "Forecasting from a plugin."\n'
        'frameworks = ["statsmodels"]\n'
    )
    (package / "__init__.py").write_text(
        "from pathlib import Path\nTEMPLATE = Path(__file__).parent / 'template'\n"
    )
    dist = site / "ml_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ml-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[mlscaffold.templates]\nforecasting = ml_plugin:TEMPLATE\n")
    plugin_env = {**env, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}

    rows = {row["name"]: row for row in json.loads(cli("list", "--json", env=plugin_env).stdout)}
    assert rows["forecasting"]["origin"] == "plugin (ml-plugin)"
    assert rows["forecasting"]["description"] == "Forecasting from a plugin."
    assert "predictive-analytics" in rows

    dest = tmp_path / "p"
    result = cli("new", "forecasting", dest, "--defaults", env=plugin_env)
    assert result.code == 0, result.stderr
    assert (dest / "README.md").read_text() == "# Demo\n"
    assert record(dest)["source"] == "plugin"
