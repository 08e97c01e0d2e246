"""A writable copy of the shipped definitions, an edit of one of its files, and the problems found in it."""
import json
import shutil
from pathlib import Path

from engine.loader import check_definitions, default_dirs

FORMS, WORKFLOWS = default_dirs()


def copy_definitions(tmp_path):
    """A writable copy of the shipped definitions."""
    forms, workflows = tmp_path / "forms", tmp_path / "workflows"
    shutil.copytree(FORMS, forms)
    shutil.copytree(WORKFLOWS, workflows)
    return forms, workflows


def edit(path: Path, fn):
    raw = json.loads(path.read_text("utf-8"))
    fn(raw)
    path.write_text(json.dumps(raw, ensure_ascii=False), "utf-8")


def problems_of(forms, workflows):
    return [str(p) for p in check_definitions(forms, workflows)[0]]


TWO_LEVEL = {
    "key": "two_level", "title": "两级审核", "initial": "draft",
    "states": [{"name": "draft", "label": "草稿", "editable": True},
               {"name": "submitted", "label": "待县级审核", "queue": True, "reviewer_level": "county"},
               {"name": "county_ok", "label": "待市级审核", "queue": True, "reviewer_level": ["city"]},
               {"name": "approved", "label": "审核通过", "final": True},
               {"name": "returned", "label": "退回修改", "editable": True}],
    "transitions": [
        {"trigger": "submit", "source": ["draft", "returned"], "dest": "submitted", "roles": ["unit", "individual"],
         "label": "提交", "validates": True},
        {"trigger": "county_approve", "source": "submitted", "dest": "county_ok", "roles": ["reviewer"],
         "label": "县级审核通过"},
        {"trigger": "approve", "source": "county_ok", "dest": "approved", "roles": ["reviewer"],
         "label": "市级审核通过"},
        {"trigger": "return_for_correction", "source": ["submitted", "county_ok"], "dest": "returned",
         "roles": ["reviewer", "admin"], "label": "退回修改"},
        {"trigger": "force", "source": "county_ok", "dest": "approved", "roles": ["reviewer"],
         "reviewer_levels": ["province"], "label": "省级直接通过"}]}


def with_two_level(defs, roles=("unit",), workflow=TWO_LEVEL, **item_over):
    forms, workflows = defs
    (workflows / "two_level.json").write_text(json.dumps(workflow, ensure_ascii=False), "utf-8")
    item = json.loads((forms / "post_application.json").read_text("utf-8"))
    item.update(key="post_two_level", workflow="two_level", roles=list(roles), order=99, **item_over)
    item.pop("publish")
    (forms / "post_two_level.json").write_text(json.dumps(item, ensure_ascii=False), "utf-8")
    return problems_of(*defs)
