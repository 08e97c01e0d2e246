"""Attaching files to a case's slots: checked by content and size, replaced while the case is editable."""
from __future__ import annotations

import os
import unicodedata

from engine.definitions import Catalogue
from engine.models import Account, Attachment, Case
from engine.storage import KIND_NAMES, KINDS, FileStorage, sniff


class AttachmentRejected(Exception):
    def __init__(self, message: str, status: int = 422):
        self.message = message
        self.status = status
        super().__init__(message)


def clean_filename(name: str | None) -> str:
    """Only the last path part, no control characters; shown to people, never used as a path."""
    name = (name or "").replace("\\", "/").split("/")[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    return name[:200] or "未命名文件"


def attach(session, storage: FileStorage, catalogue: Catalogue, case: Case, slot: str, filename: str,
           data: bytes, account: Account) -> Attachment:
    item = catalogue.item(case.item_key)
    spec = item.attachment(slot) if item else None
    if spec is None:
        raise AttachmentRejected("该事项没有这个附件项", status=404)
    wf = catalogue.workflows[case.workflow_key]
    if not wf.editable(case.state):
        raise AttachmentRejected(f"当前状态“{wf.label(case.state)}”下不能更换附件", status=409)
    allowed = spec.get("types", list(KINDS))
    allowed_names = "、".join(KIND_NAMES[k] for k in allowed)
    if not data:
        raise AttachmentRejected(f"“{spec['title']}”文件为空，请重新选择")
    max_bytes = int(spec.get("max_mb", 10) * 1024 * 1024)
    if len(data) > max_bytes:
        raise AttachmentRejected(f"“{spec['title']}”文件超过{spec.get('max_mb', 10):g}MB，请压缩后重新上传", status=413)
    kind = sniff(data[:16])
    if kind not in allowed:
        raise AttachmentRejected(f"“{spec['title']}”只能上传{allowed_names}文件，所选文件的内容不是这些格式")
    stored = storage.save(data)
    for old in case.attachments:
        if old.slot == slot and old.current:
            old.current = False
    name = clean_filename(filename)
    stem, ext = os.path.splitext(name)
    if ext.lower() not in (KINDS[kind][1], ".jpeg" if kind == "jpeg" else KINDS[kind][1]):
        name = stem + KINDS[kind][1]
    attachment = Attachment(case=case, slot=slot, filename=name, content_type=KINDS[kind][0], size=stored.size,
                            sha256=stored.sha256, storage_key=stored.key, uploaded_by=account.id, current=True)
    session.add(attachment)
    session.flush()
    return attachment


def current_attachments(case: Case) -> dict[str, Attachment]:
    return {a.slot: a for a in case.attachments if a.current}
