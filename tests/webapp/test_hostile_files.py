"""The hostile corpus (tests/data/hostile): every file gets a clear 4xx, nothing is written, the app serves on."""
import os

import pytest
from sqlalchemy import func, select

from engine.cases.lifecycle import start_change
from engine.models import Attachment, BatchImport, Case
from tests.data.hostile import corpus

CORPUS = corpus()


@pytest.fixture
def unit_web(make_web, world):
    web = make_web()
    web.login(world["unit"].login_name)
    web.token = web.csrf()
    return web


def _files_under(root):
    return {os.path.join(d, f) for d, _, files in os.walk(root) for f in files}


@pytest.mark.parametrize("name,body,target", CORPUS, ids=[c[0].encode("unicode_escape").decode() for c in CORPUS])
def test_hostile_file_is_refused_plainly(name, body, target, unit_web, world, dbsession, catalogue, storage):
    # The unit is approved: its draft of the same item is a change (申请变更).
    draft = start_change(dbsession, catalogue, catalogue.item("unit_application"), world["unit"])
    dbsession.commit()
    before_cases = dbsession.scalar(select(func.count()).select_from(Case))
    files_of_draft = select(func.count()).select_from(Attachment).where(Attachment.case_id == draft.id)
    before_attachments = dbsession.scalar(files_of_draft)   # those of the application it changes
    parent = storage.root.parent
    before_files = _files_under(parent)
    if target == "import":
        url = "/api/items/attendance_report/imports"
    else:
        url = f"/api/cases/{draft.id}/attachments/license"
    res = unit_web.app.post(url, upload_files=[("file", name, body)], headers={"X-CSRF-Token": unit_web.token},
                            status="*")
    assert 400 <= res.status_int < 500, (name, res.status_int, res.text[:300])
    message = res.json.get("error") or res.json["errors"][0]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message   # a Chinese sentence, not a trace
    dbsession.rollback()
    dbsession.expire_all()
    assert dbsession.scalar(select(func.count()).select_from(Case)) == before_cases
    assert dbsession.scalar(files_of_draft) == before_attachments
    assert dbsession.scalar(select(func.count()).select_from(BatchImport)) == 0
    assert _files_under(parent) == before_files   # nothing kept, inside the storage folder or beside it
    assert unit_web.app.get("/healthz").json == {"ok": True}
