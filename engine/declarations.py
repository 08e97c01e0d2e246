"""What an item declares it means to the rest of the engine, so that no Python names an item or a field.

- `publish.fields`: which field of the item gives each attribute of the position it publishes;
- `role`: a part the item plays that the engine looks for by role, never by key: `unit_approval` (a case
  of it in `role.when` makes its unit an approved internship unit; `role.fields` is the unit's profile
  shown with its positions) and `agreements` (its active rows are the matched agreements that the
  roster and overlap rules read);
- `batch.index`: which fields of a batch row also fill the indexed columns of `batch_rows`, so that
  rules across reports find rows without reading each row's data;
- `locates_unit`: which fields give the unit's 业务办理归属地 (checked here like the others);
- `change`: the item is held once: a case of it in `change.when` is in force, and a later one is a change
  of that case (engine/cases/standing.py), announced with `change.message`.
- `notify`: which events of the item (its workflow's triggers, and the item events below) reach whom on
  which channel (engine/notices reads it; the workflow's transitions may say the same for every item).
- `batch.max_rows`: how many rows one file of a batch item may have, when fewer than the site allows.
- `due`: a monthly batch item's due date (the report for month M by `day` of M+1, on the next working day
  when that is not one) and how many days before it units are reminded (engine/batch/dues.py reads it).
- `claim` (items of kind `claim`): the subsidy scheme its lines are computed by (forms/schemes/<key>.json)
  and the two month fields of its period; the scheme's `reports` name the batch items and fields it reads,
  by the slots of SCHEME_REPORTS (engine/definitions/schemes.py checks both).

The slot tables below are the vocabulary. `problems` is the loader's check of the declarations (a slot
that does not exist, a field that does not exist or does not fit the slot, a required slot left out, a
role claimed twice); the other functions read the declarations of loaded definitions. Nothing here
imports the engine but the format names (engine.formats): the rules, the batch store and positions all read it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from engine.formats import DATE, ID_NUMBER, MOBILE, MONTH, SHANXI_CITY, SHANXI_COUNTY


@dataclass(frozen=True)
class Slot:
    types: tuple[str, ...]          # JSON Schema types the field may have
    required: bool = False          # must be declared, and name a required field
    format: str | None = None       # the field must have this format
    max_length: int | None = None   # the column's length: the field must be bounded within it (maxLength or enum)


_STRING = ("string",)

# Position attribute -> what the field must be. The first group fills the positions table; the second is
# read from the case for the public detail page only (never bank details: nothing else is shown).
POSITION_SLOTS: dict[str, Slot] = {
    "name": Slot(_STRING, required=True, max_length=64),
    "openings": Slot(("integer",), required=True),
    "period_months": Slot(("integer",), required=True),
    "allowance": Slot(("integer",), required=True),
    "city": Slot(_STRING, required=True, format=SHANXI_CITY),
    "county": Slot(_STRING, required=True, format=SHANXI_COUNTY),
    "education": Slot(_STRING, max_length=10),
    "major": Slot(_STRING, max_length=100),
    "address": Slot(_STRING, max_length=200),
    "deadline": Slot(_STRING, format=DATE),
    "age_min": Slot(("integer",)),
    "age_max": Slot(("integer",)),
    "description": Slot(_STRING),
    "contact_name": Slot(_STRING),
    "contact_mobile": Slot(_STRING, format=MOBILE),  # shown masked
}

# locates_unit: the fields that set the unit's 业务办理归属地 on submission, which decides its reviewers.
LOCATES_SLOTS: dict[str, Slot] = {
    "city": Slot(_STRING, required=True, format=SHANXI_CITY),
    "county": Slot(_STRING, required=True, format=SHANXI_COUNTY),
}

# change.message: the words filled in for the case in force.
CHANGE_PLACEHOLDERS = ("{reference}", "{date}")

# Indexed columns of batch_rows -> what the field must be.
INDEX_SLOTS: dict[str, Slot] = {
    "id_number": Slot(_STRING, format=ID_NUMBER),
    "month": Slot(_STRING, format=MONTH),
    "start_date": Slot(_STRING, format=DATE),
    "end_date": Slot(_STRING, format=DATE),
}


# claim.period: the months a claim covers.
CLAIM_PERIOD_SLOTS: dict[str, Slot] = {
    "from": Slot(_STRING, required=True, format=MONTH),
    "to": Slot(_STRING, required=True, format=MONTH),
}

# A subsidy scheme's reports: report -> the slots its `fields` fill. Each report item must index its rows by
# person and month (batch.index id_number, month) so that a claim reads them by column, not by JSON.
SCHEME_REPORTS: dict[str, dict[str, Slot]] = {
    "status": {
        "status": Slot(_STRING, required=True),              # its enum values are the scheme's `statuses`
        "days": Slot(("integer",)),                          # 本月见习天数 (prorate: days)
        "allowance_paid": Slot(("integer", "number")),       # 生活补助实发额 (capped_by_paid)
        "change_date": Slot(_STRING, format=DATE),           # 变动日期, shown in the basis
    },
    "attendance": {
        "required_days": Slot(("integer",), required=True),
        "attended_days": Slot(("integer",), required=True),
    },
}
SCHEME_REPORT_INDEX = ("id_number", "month")


@dataclass(frozen=True)
class Role:
    slots: dict[str, Slot]
    singular: bool = True           # at most one item may play it
    needs_when: bool = False        # `role.when`: the state in which a case plays the role
    kind: str | None = None         # the item kind that can play it
    index: tuple[str, ...] = ()     # batch.index columns it needs, as required fields


ROLES: dict[str, Role] = {
    "unit_approval": Role({
        "industry": Slot(_STRING, max_length=40),  # copied to its positions; its enum is the search's 行业 list
        "unit_type": Slot(_STRING),
        "county": Slot(_STRING, format=SHANXI_COUNTY),
        "address": Slot(_STRING),
        "intro": Slot(_STRING),
    }, needs_when=True),
    "agreements": Role({
        "name": Slot(_STRING, required=True),
        "position": Slot(_STRING, required=True),
        "mobile": Slot(_STRING),
        "education": Slot(_STRING),
        "school": Slot(_STRING),
        "major": Slot(_STRING),
        "allowance": Slot(("integer", "number")),
    }, kind="batch", index=("id_number", "start_date", "end_date")),
}


# Notices (engine/notices). The channels: the 消息中心, email, SMS.
CHANNELS = ("inapp", "email", "sms")
# Who a transition's notice may be for: the case's owner (every account of its unit, or the individual),
# and the reviewers who must act on it next (a transition into a `queue` state).
TRANSITION_AUDIENCES = ("owner", "reviewers")
EVERY_CHANNEL = CHANNELS
INAPP_ONLY = ("inapp",)


@dataclass(frozen=True)
class NoticeEvent:
    """An event of an item besides its transitions, that engine.notices.outbox.raise_notice is called with."""
    defaults: dict                   # audience -> channels when neither item nor workflow says otherwise
    label: str                       # what happened, for docs/definitions.md and the checks' messages
    needs: str | None = None         # "batch": only batch items have it; "publish": only items that publish;
                                     # "due": only items with a due date


ITEM_EVENTS: dict[str, NoticeEvent] = {
    # The uploader alone: the error workbook the notice links to is theirs (engine.access.made_by).
    "import_failed": NoticeEvent({"uploader": INAPP_ONLY}, "Excel 导入未通过检查", needs="batch"),
    # Told on every channel when a reviewer took it down; the unit's own take-down only in the 消息中心.
    "position_taken_down": NoticeEvent({"owner": EVERY_CHANNEL}, "岗位下架", needs="publish"),
    # 预警 and 超期 of a state's time limit (engine/deadlines.py scan), to the reviewers who must act.
    "deadline_warning": NoticeEvent({"reviewers": ("inapp", "email")}, "即将超期"),
    "deadline_overdue": NoticeEvent({"reviewers": ("inapp", "email")}, "已超期"),
    # 好差评 (engine/ratings): a bad rating to the reviewers of the case's jurisdiction (the level that decided
    # it), its follow-up's 超期 to the same, and the follow-up's close (整改情况/回访结果) to the applicant.
    "rating_bad": NoticeEvent({"reviewers": ("inapp", "email")}, "收到差评"),
    "followup_overdue": NoticeEvent({"reviewers": ("inapp", "email")}, "差评整改已超期"),
    "followup_closed": NoticeEvent({"owner": EVERY_CHANNEL}, "差评整改办结"),
    # A monthly report not yet made as its due date nears, and once when it is late (engine/batch/reminders.py).
    "report_due_soon": NoticeEvent({"owner": EVERY_CHANNEL}, "报表即将到期", needs="due"),
    "report_overdue": NoticeEvent({"owner": EVERY_CHANNEL}, "报表逾期未报", needs="due"),
}


def notify_rules(item) -> dict:
    """An item's `notify`: event -> audience -> channels."""
    return dict(item.raw.get("notify") or {})


# ---------------------------------------------------------------------------
# Reading the declarations of loaded definitions (ItemDefinition / Catalogue)
# ---------------------------------------------------------------------------

def publish_fields(item) -> dict[str, str]:
    """Position attribute -> field of the item."""
    return dict((item.raw.get("publish") or {}).get("fields") or {})


def role_of(item) -> str | None:
    return (item.raw.get("role") or {}).get("as")


def role_fields(item) -> dict[str, str]:
    """Slot of the item's role -> field of the item."""
    return dict((item.raw.get("role") or {}).get("fields") or {})


def role_state(item) -> str | None:
    return (item.raw.get("role") or {}).get("when")


def locates_fields(item) -> dict[str, str]:
    """`city`/`county` -> field of the item that gives the unit's 业务办理归属地 ({} if it declares none)."""
    return dict(item.raw.get("locates_unit") or {}) if item is not None else {}


def change_state(item) -> str | None:
    """The state in which a case of an item held once (`change`) is in force; None for other items."""
    return (item.raw.get("change") or {}).get("when") if item is not None else None


def change_message(item, reference: str, on: str) -> str:
    """`change.message` for the case in force, its placeholders filled (plain replacement, nothing evaluated)."""
    text = item.raw["change"]["message"]
    return text.replace("{reference}", reference or "").replace("{date}", on)


def index_fields(item) -> dict[str, str]:
    """Indexed column of batch_rows -> field of the item."""
    return dict((item.raw.get("batch") or {}).get("index") or {})


@dataclass(frozen=True)
class Due:
    """`due`: the report for month M (the value of `month_field`) is due by `day` of M+1 (the month's last
    day if it is shorter), moved to the next working day when that is not one; units are reminded from
    `remind_before` days before it (engine/batch/dues.py)."""
    month_field: str
    day: int
    remind_before: int


def due_of(item) -> Due | None:
    """An item's `due`, or None: an item without one has no reminders and no 缺报名单."""
    raw = item.raw.get("due") if item is not None else None
    return Due(raw["month_field"], raw["day"], raw["remind_before"]) if raw else None


def due_items(catalogue) -> list:
    """The items that declare `due`, in catalogue order."""
    return [i for i in catalogue.items.values() if due_of(i) is not None] if catalogue is not None else []


def claim_scheme(item) -> str | None:
    """The key of the subsidy scheme a claim item is computed by (None for other items)."""
    return (item.raw.get("claim") or {}).get("scheme") if item is not None else None


PUBLICITY_DAYS = 7   # 公示 of an approved claim, in working days, when its item says nothing


def publicity_days(item) -> int:
    """How many working days an approved claim of this item is shown publicly (claim.publicity.working_days)."""
    claim = (item.raw.get("claim") or {}) if item is not None else {}
    return int((claim.get("publicity") or {}).get("working_days", PUBLICITY_DAYS))


def claim_period(item) -> tuple[str, str]:
    """The fields of a claim item that hold its first and last month."""
    period = item.raw["claim"]["period"]
    return period["from"], period["to"]


PAYEE_SLOTS = ("account_name", "bank_name", "bank_account")


def claim_payee(item) -> dict | None:
    """Where a claim item's payee is read: {"item": the unit's approved application item, and each of
    PAYEE_SLOTS -> that item's field}; None if the item declares none."""
    return (item.raw.get("claim") or {}).get("payee") if item is not None else None


def role_item(catalogue, role: str):
    """The item that plays a role, or None (the loader lets only one item claim a singular role)."""
    if catalogue is None:
        return None
    return next((i for i in catalogue.items.values() if role_of(i) == role), None)


def publishers(catalogue, kind: str = "position") -> list:
    """The items whose approval publishes a case as `kind`, in menu order."""
    return [i for i in catalogue.items.values() if (i.raw.get("publish") or {}).get("as") == kind]


def field_enum(item, key: str | None) -> tuple:
    spec = item.schema["properties"].get(key) if (item is not None and key) else None
    return tuple(spec.get("enum") or ()) if spec else ()


# ---------------------------------------------------------------------------
# The loader's checks
# ---------------------------------------------------------------------------

def _fit(slot: Slot, field: str, props: dict, required: set) -> str | None:
    """Why a field does not fit a slot, or None."""
    spec = props.get(field)
    if spec is None:
        return f"字段“{field}”不在 schema.properties 中"
    kind = spec.get("type", "string")
    if kind not in slot.types:
        return f"字段“{field}”的类型为{kind}，此处须为{'或'.join(slot.types)}"
    if slot.format and spec.get("format") != slot.format:
        return f"字段“{field}”的 format 须为“{slot.format}”"
    if slot.max_length:
        longest = max(map(len, map(str, spec["enum"]))) if spec.get("enum") else spec.get("maxLength")
        if longest is None or longest > slot.max_length:
            return f"字段“{field}”须用 maxLength 或 enum 限定在{slot.max_length}个字符以内"
    if slot.required and field not in required:
        return f"字段“{field}”须列入 schema.required：此处必须有值"
    return None


def _slots(mapping: Mapping[str, str], slots: dict[str, Slot], path: str, props: dict, required: set,
           what: str, must: Iterable[str] = ()) -> list[tuple[str, str]]:
    out = []
    for name, field in mapping.items():
        slot = slots.get(name)
        if slot is None:
            out.append((f"{path}/{name}", f"{what}没有“{name}”，可用：{'、'.join(slots)}"))
        elif problem := _fit(slot, field, props, required):
            out.append((f"{path}/{name}", problem))
    for name in [n for n, s in slots.items() if s.required] + list(must):
        if name not in mapping:
            out.append((path, f"缺少“{name}”：{what}必须声明它来自哪个字段"))
    return out


def scheme_report_problems(report: str, fields: Mapping[str, str], item: dict, path: str) -> list[tuple[str, str]]:
    """A scheme's report: its fields fit the slots of SCHEME_REPORTS[report] in the named batch item, and
    the item indexes its rows by person and month."""
    props = item["schema"]["properties"]
    out = _slots(fields, SCHEME_REPORTS[report], f"{path}/fields", props, set(item["schema"].get("required", [])),
                 f"报表“{report}”")
    index = (item.get("batch") or {}).get("index", {})
    for col in SCHEME_REPORT_INDEX:
        if col not in index:
            out.append((f"{path}/item", f"事项“{item['key']}”须在 batch.index 中声明“{col}”，补贴按人员和月份读取其上报记录"))
    return out


def _notify_problems(raw: dict, wf: dict | None) -> list[tuple[str, str]]:
    """An item's `notify`: each event one of its workflow's triggers or an item event it can have, each
    audience one that event has (reviewers: only for a transition into a state where they act)."""
    out = []
    triggers: dict[str, bool] = {}   # trigger -> whether some transition of it ends in a queue state
    if wf is not None:
        queues = {s["name"] for s in wf["states"] if s.get("queue")}
        for t in wf["transitions"]:
            triggers[t["trigger"]] = triggers.get(t["trigger"], False) or t["dest"] in queues
    for event, rule in (raw.get("notify") or {}).items():
        at = f"/notify/{event}"
        if event in ITEM_EVENTS:
            spec = ITEM_EVENTS[event]
            if spec.needs == "batch" and raw["kind"] != "batch":
                out.append((at, f"“{event}”（{spec.label}）只有批量上报事项（kind 为 batch）才有"))
            elif spec.needs == "publish" and not raw.get("publish"):
                out.append((at, f"“{event}”（{spec.label}）只有发布岗位的事项（publish）才有"))
            elif spec.needs == "due" and not raw.get("due"):
                out.append((at, f"“{event}”（{spec.label}）只有声明了报送期限（due）的事项才有"))
            audiences = tuple(spec.defaults)
        elif wf is None:
            continue   # the missing workflow has its own report
        elif event in triggers:
            audiences = TRANSITION_AUDIENCES if triggers[event] else ("owner",)
        else:
            known = "、".join([*triggers, *ITEM_EVENTS])
            out.append((at, f"未知的通知事件“{event}”，可用：{known}"))
            continue
        for audience in rule:
            if audience not in audiences:
                why = "（该操作不进入待审核状态，没有等待审核的人员）" if audience == "reviewers" else ""
                out.append((f"{at}/{audience}", f"“{event}”的通知对象只能是：{'、'.join(audiences)}{why}"))
    return out


# due.month_field: the month a row reports, stored in the rows' indexed month column.
DUE_MONTH = Slot(_STRING, required=True, format=MONTH)


def _due_problems(raw: dict, props: dict, required: set, index: dict) -> list[tuple[str, str]]:
    """`due`: only a batch item, whose month field is required, of format month and indexed as `month`, whose
    rows are indexed by person too, one per person and month (batch.row_key: a report again replaces it)."""
    if raw["kind"] != "batch":
        return [("/due", "只有批量上报事项（kind 为 batch）才能声明 due（按月报送的期限）")]
    field = raw["due"]["month_field"]
    if problem := _fit(DUE_MONTH, field, props, required):
        return [("/due/month_field", problem)]
    if index.get("month") != field:
        return [("/due/month_field", f"字段“{field}”须在 batch.index 中声明为“month”：按月份查找各单位的上报记录")]
    person = index.get("id_number")
    if person is None:
        return [("/batch/index", "声明 due 的事项须在 batch.index 中声明“id_number”：按人员核对在册名单")]
    if sorted(raw["batch"]["row_key"]) != sorted([person, field]):
        return [("/batch/row_key", f"声明 due 的事项 row_key 须为人员与月份（{person}、{field}）：每人每月一行，重报时替换")]
    return []


def _payee_problems(payee: dict | None, items: dict[str, dict]) -> list[tuple[str, str]]:
    """claim.payee names an item, and fields of it for each slot."""
    if not payee:
        return []
    other = next((r for r in items.values() if r["key"] == payee["item"]), None)
    if other is None:   # engine/definitions/items.py says it is missing (or its own file is broken)
        return []
    props = other["schema"]["properties"]
    return [(f"/claim/payee/{slot}", f"字段“{payee[slot]}”不在事项“{payee['item']}”中")
            for slot in PAYEE_SLOTS if payee[slot] not in props]


def _states(raw: dict, workflows: dict) -> list[str] | None:
    wf = workflows.get(raw["workflow"])
    return [s["name"] for s in wf["states"]] if wf else None


def problems(items: dict[str, dict], workflows: dict[str, dict],
             rule_roles: Mapping[str, tuple[str, ...]] = {}) -> list[tuple[str, str, str]]:
    """(file, JSON pointer, message) for every declaration that does not hold. rule_roles: the roles each
    registered rule reads (a rule that finds agreements needs an item playing `agreements`)."""
    out: list[tuple[str, str, str]] = []
    for raw in items.values():
        out += [(raw.get("__source", raw["key"]), p, m) for p, m in _notify_problems(raw, workflows.get(raw["workflow"]))]
    claimed: dict[str, str] = {}  # singular role -> the file that claimed it first
    played: set[str] = set()
    for raw in items.values():
        name = raw.get("__source", raw["key"])
        props = raw["schema"]["properties"]
        required = set(raw["schema"].get("required", []))
        found: list[tuple[str, str]] = []
        publish = raw.get("publish")
        if publish:
            found += _slots(publish.get("fields", {}), POSITION_SLOTS, "/publish/fields", props, required, "岗位")
        if raw.get("locates_unit"):
            found += _slots(raw["locates_unit"], LOCATES_SLOTS, "/locates_unit", props, required, "locates_unit")
        index = (raw.get("batch") or {}).get("index", {})
        found += _slots(index, INDEX_SLOTS, "/batch/index", props, required, "batch.index")
        if raw.get("claim"):
            found += _slots(raw["claim"]["period"], CLAIM_PERIOD_SLOTS, "/claim/period", props, required,
                            "claim.period")
            found += _payee_problems(raw["claim"].get("payee"), items)
        change = raw.get("change")
        if change:
            states = _states(raw, workflows)
            if states is not None and change["when"] not in states:
                found.append(("/change/when", f"状态“{change['when']}”不在流程中"))
            if raw["kind"] != "form":
                found.append(("/change", "只有 kind 为 form 的事项可以声明 change（变更申请在表单页办理）"))
            unknown = set(re.findall(r"\{[^{}]*\}", change["message"])) - set(CHANGE_PLACEHOLDERS)
            if unknown:
                found.append(("/change/message", f"未知的占位符{'、'.join(sorted(unknown))}，"
                                                 f"可用：{'、'.join(CHANGE_PLACEHOLDERS)}"))
        if raw.get("due"):
            found += _due_problems(raw, props, required, index)
        role = raw.get("role")
        spec = ROLES.get(role["as"]) if role else None
        if role and spec is None:
            found.append(("/role/as", f"未知的角色“{role['as']}”，可用：{'、'.join(ROLES)}"))
        elif role:
            played.add(role["as"])
            found += _slots(role.get("fields", {}), spec.slots, "/role/fields", props, required,
                            f"角色“{role['as']}”")
            if spec.kind and raw["kind"] != spec.kind:
                found.append(("/role/as", f"角色“{role['as']}”只能由 kind 为 {spec.kind} 的事项担任"))
            for col in spec.index:
                if col not in index:
                    found.append(("/batch/index" if raw.get("batch") else "/role/as",
                                  f"角色“{role['as']}”须在 batch.index 中声明“{col}”"))
                elif index[col] not in required:
                    found.append((f"/batch/index/{col}", f"字段“{index[col]}”须列入 schema.required：此处必须有值"))
            states = _states(raw, workflows)
            if spec.needs_when and "when" not in role:
                found.append(("/role", f"角色“{role['as']}”须用 when 说明哪个状态的申请起作用"))
            elif "when" in role and states is not None and role["when"] not in states:
                found.append(("/role/when", f"状态“{role['when']}”不在流程中"))
            if spec.singular:
                if role["as"] in claimed:
                    found.append(("/role/as", f"角色“{role['as']}”已由 {claimed[role['as']]} 担任，只能有一个事项担任"))
                else:
                    claimed[role["as"]] = name
        out += [(name, p, m) for p, m in found]
    for raw in items.values():
        name = raw.get("__source", raw["key"])
        if raw.get("due") and "agreements" not in played:
            out.append((name, "/due", "声明 due 需要一个担任角色“agreements”的事项（role.as）：应报的单位和人员来自其名单"))
        batch_rules = (raw.get("batch") or {}).get("rules", [])
        for path, rule_list in (("/rules", raw.get("rules", [])), ("/batch/rules", batch_rules)):
            for i, spec in enumerate(rule_list):
                for role in rule_roles.get(spec.get("rule"), ()):
                    if role not in played:
                        out.append((name, f"{path}/{i}/rule",
                                    f"规则“{spec['rule']}”需要一个担任角色“{role}”的事项（role.as）"))
    return out


def max_rows(item, site_limit: int) -> int:
    """Rows one import of a batch item may have: the site's limit, or the item's own `batch.max_rows` if lower.

    It bounds what the reader lets the parser allocate (engine.batch.bounds) and is what the template says."""
    own = (item.batch or {}).get("max_rows")
    return min(site_limit, own) if own else site_limit
