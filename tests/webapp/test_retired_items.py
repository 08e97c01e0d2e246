"""A case whose item has since been taken out of forms/ (a draft: no snapshot of its definition was kept).

Its owner gets a clear Chinese answer, never a server error, and nothing is written."""
from engine.models import Case
from tests import factories as f


def test_a_draft_of_a_retired_item_answers_404_everywhere_and_is_not_changed(web, dbsession):
    unit = f.unit_account(dbsession, name="晋中新能源有限公司")
    case = Case(item_key="retired_item", definition_version=1, workflow_key="review", state="draft",
                unit_id=unit.unit_id, account_id=unit.id, data={"note": "旧事项的草稿"})
    dbsession.add(case)
    dbsession.commit()
    res = web.app.post_json("/api/session", {"kind": "unit", "login": unit.login_name, "password": f.PASSWORD})
    token = res.json["csrf_token"]
    for url in (f"/api/cases/{case.id}", f"/cases/{case.id}", f"/cases/{case.id}/print"):
        page = web.app.get(url, status=404)
        assert "已停止办理" in page.text, url
    put = web.app.put_json(f"/api/cases/{case.id}", {"data": {"note": "改"}}, headers={"X-CSRF-Token": token},
                           status=404)
    assert "已停止办理" in put.json["error"]
    assert web.app.get("/me/cases").status_int == 200
    dbsession.expire_all()
    assert dbsession.get(Case, case.id).data == {"note": "旧事项的草稿"}
