import json
import subprocess
import sys

import pytest

from mlscaffold.catalog import builtin_templates, find_template
from mlscaffold.errors import TemplateNotFound


def test_every_builtin_template_has_a_complete_catalog_entry() -> None:
    templates = builtin_templates()
    assert "predictive-analytics" in [t.name for t in templates]
    for template in templates:
        assert template.alias and template.description and template.frameworks
        assert (template.path / "copier.yml").is_file()


def test_templates_are_found_by_name_or_alias() -> None:
    assert find_template("tabular") == find_template("predictive-analytics")


def test_an_unknown_template_suggests_the_closest_name() -> None:
    with pytest.raises(TemplateNotFound, match="did you mean 'tabular'"):
        find_template("tabuler")


def test_list_json_shows_every_field(cli) -> None:
    result = cli("list", "--json")
    assert result.code == 0
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    row = rows["predictive-analytics"]
    assert row["alias"] == "tabular"
    assert set(row) == {
        "name", "alias", "specialization", "description", "frameworks", "dataset",
        "cpu_training_time", "topics", "origin",
    }  # fmt: skip
    assert "machine-learning" in row["topics"] and "scikit-learn" in row["topics"]


def test_list_table_names_each_template_and_alias(cli) -> None:
    result = cli("list")
    assert result.code == 0
    assert "predictive-analytics" in result.stdout and "tabular" in result.stdout


def test_list_and_help_do_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from mlscaffold.cli import app\n"
        "for args in (['list'], ['--help']):\n"
        "    try:\n"
        "        app(args, standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = {'copier', 'cookiecutter', 'git', 'pydantic'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_info_lists_questions_with_types_defaults_and_choices(cli) -> None:
    result = cli("info", "tabular", "--json")
    assert result.code == 0
    info = json.loads(result.stdout)
    questions = {q["name"]: q for q in info["questions"]}
    assert questions["task"]["choices"] == ["classification", "regression"]
    assert questions["license"]["default"] == "MIT"
    assert "uses_torch" not in questions  # computed values are not questions
    assert info["produces"]
    table = cli("info", "predictive-analytics")
    assert table.code == 0 and "package_name" in table.stdout


def test_info_on_an_unknown_template_is_one_line_with_the_remedy(cli) -> None:
    result = cli("info", "vision")
    assert result.code == 2
    assert "unknown template 'vision'" in result.stderr
    assert "Traceback" not in result.stderr


def test_list_is_a_table_that_fits_80_columns_without_breaking_names(cli, git_env) -> None:
    result = cli("list", env={**git_env, "COLUMNS": "80"})
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), result.stdout
    rows = {line.split()[0]: line.split()[1] for line in lines[1:] if line.split()[0] in names()}
    assert rows == {t.name: t.alias for t in builtin_templates()}
    assert "mlscaffold info TEMPLATE" in result.stdout and "--json" in result.stdout


def names() -> set[str]:
    return {t.name for t in builtin_templates()}


def test_info_shows_resolved_defaults_never_template_syntax(cli, git_env) -> None:
    result = cli("info", "tabular", "-d", "project_name=Churn.Model", env={**git_env, "COLUMNS": "100"})
    assert result.code == 0, result.stderr
    assert "{{" not in result.stdout and "{%" not in result.stdout
    assert "package_name = churn_model" in result.stdout
    assert "author_name = Test User" in result.stdout  # from git config user.name
    assert "must not be a Python keyword" in result.stdout  # the rule, in words


def test_info_json_gives_each_question_its_resolved_default_and_rule(cli) -> None:
    questions = {q["name"]: q for q in json.loads(cli("info", "rl", "--json").stdout)["questions"]}
    assert questions["package_name"]["default"] == "my_ml_project"
    assert questions["copyright_year"]["default"] >= 2025
    assert questions["algorithm"]["rule"] == "one of: ppo, dqn"
    # The validator's own list of environments shows in the rule; the answer being checked does not.
    assert "Acrobot-v1" in questions["env_id"]["rule"] and "{{" not in questions["env_id"]["rule"]


def test_info_with_an_invalid_answer_is_one_line(cli) -> None:
    result = cli("info", "tabular", "-d", "package_name=os")
    assert result.code == 2 and "standard-library module" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
