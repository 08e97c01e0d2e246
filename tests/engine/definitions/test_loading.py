"""Both folders checked in one run: every problem of every file, the check command, the app refusing to start."""
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main as cli_main
from engine.loader import DefinitionError, load_catalogue
from tests.engine.definitions.copies import edit, problems_of


def test_load_catalogue_raises_with_every_problem(defs):
    forms, _ = defs
    edit(forms / "post_application.json", lambda r: r["rules"].append({"rule": "x"}))
    edit(forms / "attendance_report.json", lambda r: r["batch"]["rules"].append({"rule": "y"}))
    with pytest.raises(DefinitionError) as e:
        load_catalogue(*defs)
    assert len(e.value.problems) == 2


def test_check_command_exit_codes(defs, capsys):
    forms, workflows = defs
    assert cli_main(["check", "--forms", str(forms), "--workflows", str(workflows)]) == 0
    assert "定义检查通过：6个事项，3个流程" in capsys.readouterr().out
    edit(forms / "post_application.json", lambda r: r["rules"].append({"rule": "nope"}))
    assert cli_main(["check", "--forms", str(forms), "--workflows", str(workflows)]) == 1
    out = capsys.readouterr()
    assert "forms/post_application.json: /rules/4/rule: 未注册的规则“nope”" in out.out
    assert "定义检查失败：1处错误" in out.err


def test_broken_definition_stops_the_app_with_the_message_not_a_traceback(defs, tmp_path):
    forms, workflows = defs
    edit(forms / "post_application.json", lambda r: r["rules"].append({"rule": "nope"}))
    code = (
        "from webapp import main\n"
        f"main({{}}, **{{'sqlalchemy.url': 'sqlite:///{tmp_path}/x.sqlite', "
        f"'jianxi.forms_dir': r'{forms}', 'jianxi.workflows_dir': r'{workflows}', "
        "'jianxi.session_secret': 'x' * 40})\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[3])})
    assert proc.returncode == 1
    assert "forms/post_application.json: /rules/4/rule: 未注册的规则“nope”" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_check_reports_every_problem_of_every_file_in_one_run(defs, capsys):
    forms, workflows = defs

    def review(r):
        r["transitions"][1]["roles"] = []                 # meta-schema
        r["transitions"][0]["dest"] = "limbo"             # the file's own checks
        r["transitions"][2]["conditions"] = ["moon_is_full"]
    edit(workflows / "review.json", review)
    edit(workflows / "batch.json", lambda r: r["states"][1].pop("final"))   # the workflow graph

    def post(r):
        r["kind"] = "excel"                               # meta-schema
        r["rules"].append({"rule": "no_such_rule"})      # cross-check
        r["ui"]["sections"][1]["fields"].pop()            # a field left out of every section
    edit(forms / "post_application.json", post)
    (forms / "unit_application.json").write_text('{"key": ', "utf-8")                  # syntax
    edit(forms / "match_report.json", lambda r: r["batch"]["row_key"].append("ghost"))   # cross-check
    found = problems_of(*defs)
    expected = [
        "workflows/batch.json: /states/1: ",
        "workflows/review.json: /transitions/1/roles: [] should be non-empty",
        "workflows/review.json: /transitions/0/dest: 状态“limbo”未在 states 中声明",
        "workflows/review.json: /transitions/2/conditions/0: 未注册的条件“moon_is_full”",
        "forms/match_report.json: /batch/row_key/2: 字段“ghost”不在 schema.properties 中",
        "forms/post_application.json: /kind: ",
        "forms/post_application.json: /schema/properties/work_address: 字段“work_address”没有放入任何 ui.sections",
        "forms/post_application.json: /rules/4/rule: 未注册的规则“no_such_rule”",
        "forms/unit_application.json: /: JSON 语法错误",
    ]
    assert len(found) == len(expected), found
    for got, want in zip(found, expected):
        assert got.startswith(want), (got, want)
    # Nothing echoes a broken file as a missing one: both items still name review and unit_application.
    assert not any("不存在" in p for p in found)
    forms_arg, workflows_arg = str(forms), str(workflows)
    assert cli_main(["check", "--forms", forms_arg, "--workflows", workflows_arg]) == 1
    out = capsys.readouterr()
    assert out.out.splitlines() == found and f"定义检查失败：{len(expected)}处错误" in out.err
