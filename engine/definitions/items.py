"""An item file's cross-checks: its schema, its sections, its rules, its workflow and what it `requires`."""
from __future__ import annotations

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from engine import formats, rules
from engine.definitions.conditions import check_conditional
from engine.definitions.model import conditionals
from engine.definitions.reading import Doc, Problem, pointer


def check_item(doc: Doc, workflows: dict[str, Doc], present_workflows: set[str], items: dict[str, Doc],
               present_items: set[str]) -> list[Problem]:
    name, item = doc.name, doc.raw
    out = []
    schema = doc.part("schema")
    if doc.sound("schema"):
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as e:
            out.append(Problem(name, "/schema" + pointer(e.absolute_path), f"不是有效的 JSON Schema：{e.message}"))
    props = doc.part("schema", "properties")
    props = props if isinstance(props, dict) else None
    if props is not None:
        for i, req in enumerate(doc.part("schema", "required") or []):
            if doc.sound("schema", "required", i) and req not in props:
                out.append(Problem(name, f"/schema/required/{i}", f"必填字段“{req}”不在 properties 中"))
        for key in props:
            if doc.sound("schema", "properties", key, "format"):
                fmt = props[key]["format"]
                if fmt not in formats.FORMATS:
                    out.append(Problem(name, f"/schema/properties/{key}/format", f"未知的格式“{fmt}”"))
        if isinstance(schema, dict):
            for at, part in conditionals(schema):
                out += check_conditional(name, at, part, props)
    attachments = doc.part("attachments") if isinstance(doc.part("attachments"), list) else []
    slots = [a["slot"] for a in attachments if isinstance(a, dict) and isinstance(a.get("slot"), str)]
    if len(set(slots)) != len(slots):
        out.append(Problem(name, "/attachments", "附件 slot 重复"))
    sections = doc.part("ui", "sections") if isinstance(doc.part("ui", "sections"), list) else None
    placed: dict[str, str] = {}
    for i, section in enumerate(sections or []):
        if not isinstance(section, dict):
            continue
        for j, key in enumerate(section.get("fields") or [] if doc.sound("ui", "sections", i, "fields") else []):
            path = f"/ui/sections/{i}/fields/{j}"
            if props is not None and key not in props:
                out.append(Problem(name, path, f"字段“{key}”不在 schema.properties 中"))
            elif key in placed:
                out.append(Problem(name, path, f"字段“{key}”已出现在 {placed[key]}"))
            else:
                placed[key] = path
        for j, slot in enumerate(section.get("attachments") or []
                                 if doc.sound("ui", "sections", i, "attachments") else []):
            if slot not in slots:
                out.append(Problem(name, f"/ui/sections/{i}/attachments/{j}", f"附件“{slot}”未在 attachments 中声明"))
    # Only when every section's field list could be read: a broken one would make its fields look unplaced.
    if props is not None and sections is not None and all(
            isinstance(s, dict) and ("fields" not in s or doc.sound("ui", "sections", i, "fields"))
            for i, s in enumerate(sections)):
        for key in props:
            if key not in placed:
                out.append(Problem(name, f"/schema/properties/{key}", f"字段“{key}”没有放入任何 ui.sections"))
    for part in ("widgets", "prefill", "help"):
        for key in doc.part("ui", part) if props is not None and isinstance(doc.part("ui", part), dict) else []:
            if key not in props:
                out.append(Problem(name, f"/ui/{part}/{key}", f"字段“{key}”不在 schema.properties 中"))
    for path, registry in ((("rules",), rules.ROW_RULES), (("batch", "rules"), rules.BATCH_RULES)):
        for i, spec in enumerate(doc.part(*path) or [] if props is not None else []):
            if not doc.sound(*path, i):
                continue
            prefix = "/" + "/".join(path) + f"/{i}"
            try:
                out += [Problem(name, f"{prefix}{p}", m) for p, m in registry.check_spec(spec, props)]
            except TypeError:  # a list or an object where a field name belongs
                out.append(Problem(name, prefix, f"规则“{spec.get('rule')}”的参数格式不正确"))
    wf = None
    if doc.sound("workflow"):
        if item["workflow"] not in present_workflows:
            out.append(Problem(name, "/workflow", f"流程“{item['workflow']}”不存在于 workflows/"))
        wf = workflows.get(item["workflow"])
        wf = wf if wf is not None and not wf.bad else None   # a broken one has its own report
    for i, req in enumerate(doc.part("requires") or []):
        if not doc.sound("requires", i):
            continue
        other = items.get(req["item"])
        if req["item"] not in present_items:
            out.append(Problem(name, f"/requires/{i}/item", f"事项“{req['item']}”不存在"))
        elif other is not None and other.sound("workflow"):
            other_wf = workflows.get(other.raw["workflow"])
            if other_wf is not None and other_wf.sound("states") and \
                    req["state"] not in [s["name"] for s in other_wf.raw["states"]]:
                out.append(Problem(name, f"/requires/{i}/state", f"状态“{req['state']}”不在事项“{req['item']}”的流程中"))
    payee = (item.get("claim") or {}).get("payee") if doc.sound("claim") else None
    if isinstance(payee, dict) and payee.get("item") not in present_items:
        out.append(Problem(name, "/claim/payee/item", f"事项“{payee.get('item')}”不存在"))
    wf_states = [s["name"] for s in wf.raw["states"]] if wf is not None else None
    if doc.sound("publish") and wf_states is not None and item["publish"]["when"] not in wf_states:
        out.append(Problem(name, "/publish/when", f"状态“{item['publish']['when']}”不在流程中"))
    for i, key in enumerate(doc.part("batch", "row_key") or [] if props is not None else []):
        if doc.sound("batch", "row_key", i) and key not in props:
            out.append(Problem(name, f"/batch/row_key/{i}", f"字段“{key}”不在 schema.properties 中"))
    return out
