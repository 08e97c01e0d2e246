"""Attaching files to a case's slots: checked by size and content (engine.filecheck), replaced while the case
is editable."""
from __future__ import annotations

import os
import unicodedata

from engine.definitions.model import Catalogue
from engine.errors import EngineError
from engine.filecheck import FileRefused, check_file
from engine.models import Account, Attachment, Case
from engine.storage import KINDS, FileStorage


class AttachmentRejected(EngineError):
    """A file refused for a slot: its kind says why (too_large, unsupported, invalid, not_found, conflict)."""


def clean_filename(name: str | None) -> str:
    """Only the last path part, no control characters; shown to people, never used as a path."""
    name = (name or "").replace("\\", "/").split("/")[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    return name[:200] or "未命名文件"


def check_filename(name: str | None) -> str | None:
    """A name with a path in it, or control characters, is refused rather than quietly renamed."""
    if name is None:
        return None
    if "/" in name or "\\" in name or ".." in name or any(unicodedata.category(c) == "Cc" for c in name):
        return "文件名含有路径或控制字符，请重命名后再上传（只用文字、数字和“.”）"
    if len(name) > 200:
        return "文件名太长，请重命名为200个字符以内"
    return None


def attach(session, storage: FileStorage, catalogue: Catalogue, case: Case, slot: str, filename: str,
           data: bytes, account: Account) -> Attachment:
    item = catalogue.item(case.item_key)
    spec = item.attachment(slot) if item else None
    if spec is None:
        raise AttachmentRejected("该事项没有这个附件项", kind="not_found")
    wf = catalogue.workflows[case.workflow_key]
    if not wf.editable(case.state):
        raise AttachmentRejected(f"当前状态“{wf.label(case.state)}”下不能更换附件", kind="conflict")
    allowed = spec.get("types", list(KINDS))
    if not data:
        raise AttachmentRejected(f"“{spec['title']}”文件为空，请重新选择")
    max_bytes = int(spec.get("max_mb", 10) * 1024 * 1024)
    if len(data) > max_bytes:
        raise AttachmentRejected(f"“{spec['title']}”文件超过{spec.get('max_mb', 10):g}MB，请压缩后重新上传", kind="too_large")
    if problem := check_filename(filename):
        raise AttachmentRejected(f"“{spec['title']}”{problem}")
    try:
        kind = check_file(data, allowed, spec["title"])
    except FileRefused as e:
        raise AttachmentRejected(e.message, kind=e.kind) from None
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


def case_attachment(session, case: Case, attachment_id: int | None) -> Attachment | None:
    """One of the case's files (current or replaced), or None."""
    if attachment_id is None:
        return None
    found = session.get(Attachment, attachment_id)
    return found if found is not None and found.case_id == case.id else None
