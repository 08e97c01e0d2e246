"""Which events reach whom on which channel, as data: `notify` in items and workflows, and what the loader refuses."""
from __future__ import annotations

from engine.loader import load_catalogue
from engine.notices.routing import event_routes, transition_routes
from tests.engine.definitions.copies import edit, problems_of


def test_the_shipped_definitions_route_by_the_defaults(catalogue):
    wf, item = catalogue.workflows["review"], catalogue.item("unit_application")
    route = lambda trigger, by_owner: transition_routes(item, wf, wf.transition(trigger, "submitted" if trigger != "submit" else "draft"), by_owner)  # noqa: E501,E731
    assert route("submit", True) == {"owner": ("inapp",), "reviewers": ("inapp", "email")}
    assert route("approve", False) == {"owner": ("inapp", "email", "sms")}
    assert route("return_for_correction", False) == {"owner": ("inapp", "email", "sms")}
    assert event_routes(catalogue.item("match_report"), "import_failed", True) == {"uploader": ("inapp",)}
    assert event_routes(catalogue.item("post_application"), "position_taken_down", False) == \
        {"owner": ("inapp", "email", "sms")}
    assert event_routes(catalogue.item("post_application"), "position_taken_down", True) == {"owner": ("inapp",)}


def test_an_item_overrides_its_workflow_which_overrides_the_default(defs):
    forms, workflows = defs

    def workflow(r):
        t = next(t for t in r["transitions"] if t["trigger"] == "approve")
        t["notify"] = {"owner": ["inapp", "email"]}
        submit = next(t for t in r["transitions"] if t["trigger"] == "submit")
        submit["notify"] = {"reviewers": ["sms", "inapp"]}
    edit(workflows / "review.json", workflow)
    edit(forms / "post_application.json", lambda r: r.update(notify={
        "approve": {"owner": ["sms"]}, "position_taken_down": {"owner": []}}))
    cat = load_catalogue(forms, workflows)
    wf = cat.workflows["review"]
    post, unit_app = cat.item("post_application"), cat.item("unit_application")
    approve, submit = wf.transition("approve", "submitted"), wf.transition("submit", "draft")
    assert transition_routes(unit_app, wf, approve, False) == {"owner": ("inapp", "email")}
    assert transition_routes(post, wf, approve, False) == {"owner": ("sms",)}
    assert transition_routes(unit_app, wf, submit, True) == {"owner": ("inapp",), "reviewers": ("inapp", "sms")}
    assert event_routes(post, "position_taken_down", False) == {}   # an empty list: nobody is told


def test_the_loader_refuses_a_workflow_notify_it_cannot_honour(defs):
    forms, workflows = defs

    def workflow(r):
        approve = next(t for t in r["transitions"] if t["trigger"] == "approve")
        approve["notify"] = {"reviewers": ["email"], "owner": ["fax"]}
        reject = next(t for t in r["transitions"] if t["trigger"] == "reject")
        reject["notify"] = {"reviewers": ["email"]}
    edit(workflows / "review.json", workflow)
    found = problems_of(*defs)
    for expected in (
        "workflows/review.json: /transitions/1/notify/owner/0: 'fax' is not one of ['inapp', 'email', 'sms']",
        "workflows/review.json: /transitions/2/notify/reviewers: 只有进入待审核（queue）状态的操作才能通知审核人员：“rejected”不是待审核状态",
    ):
        assert expected in found, (expected, found)


def test_the_loader_refuses_an_item_notify_it_cannot_honour(defs):
    forms, workflows = defs
    edit(forms / "unit_application.json", lambda r: r.update(notify={
        "approve": {"reviewers": ["email"]}, "import_failed": {"uploader": ["inapp"]},
        "deadline": {"owner": ["inapp"]}, "submit": {"uploader": ["inapp"]}}))
    edit(forms / "match_report.json", lambda r: r.update(notify={"position_taken_down": {"owner": ["inapp"]},
                                                                 "import_failed": {"owner": ["inapp"]},
                                                                 "report_overdue": {"owner": ["inapp"]}}))
    found = problems_of(*defs)
    for expected in (
        "forms/unit_application.json: /notify/approve/reviewers: “approve”的通知对象只能是：owner（该操作不进入待审核状态，没有等待审核的人员）",
        "forms/unit_application.json: /notify/import_failed: “import_failed”（Excel 导入未通过检查）只有批量上报事项（kind 为 batch）才有",
        "forms/unit_application.json: /notify/deadline: 未知的通知事件“deadline”，可用：submit、approve、reject、return_for_correction、import_failed、position_taken_down、deadline_warning、deadline_overdue、rating_bad、followup_overdue、followup_closed、report_due_soon、report_overdue",
        "forms/match_report.json: /notify/report_overdue: “report_overdue”（报表逾期未报）只有声明了报送期限（due）的事项才有",
        "forms/unit_application.json: /notify/submit/uploader: “submit”的通知对象只能是：owner、reviewers",
        "forms/match_report.json: /notify/position_taken_down: “position_taken_down”（岗位下架）只有发布岗位的事项（publish）才有",
        "forms/match_report.json: /notify/import_failed/owner: “import_failed”的通知对象只能是：uploader",
    ):
        assert expected in found, (expected, found)
