"""Reading the folders: files that cannot be read, and the meta-schema report with its JSON pointers."""
from tests.engine.definitions.copies import edit, problems_of


def test_metaschema_errors_name_the_path(defs):
    forms, _ = defs
    edit(forms / "match_report.json", lambda r: r.update(kind="excel"))
    found = problems_of(*defs)
    assert any(p.startswith("forms/match_report.json: /kind: ") for p in found)


def test_json_syntax_error_is_reported(defs):
    forms, _ = defs
    (forms / "onduty_report.json").write_text('{"key": "onduty_report",', "utf-8")
    found = problems_of(*defs)
    assert len(found) == 1 and found[0].startswith("forms/onduty_report.json: /: JSON 语法错误：第1行")


def test_a_state_named_queue_is_refused(defs):
    _, workflows = defs
    edit(workflows / "review.json", lambda r: r["states"][0].update(name="queue"))
    assert any(p.startswith("workflows/review.json: /states/0/name: ") for p in problems_of(*defs))


def test_publish_needs_its_fields(defs):
    forms, _ = defs
    edit(forms / "post_application.json", lambda r: r["publish"].pop("fields"))
    assert any(p.startswith("forms/post_application.json: /publish: 'fields' is a required property")
               for p in problems_of(*defs))
