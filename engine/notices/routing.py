"""Which events reach whom on which channel: the one reading of `notify` in the item and workflow
definitions, with the defaults when they say nothing (docs/definitions.md "Notices").

For a transition, each audience is looked up in the item's `notify.<trigger>`, then the transition's own
`notify`, then the default:
- owner: every channel when someone else moved the case (a reviewer's decision, the system); only the
  消息中心 when the owner's own account did (a receipt that the unit's other agents see: 提交, 导入);
- reviewers (only for a transition into a `queue` state): the 消息中心 and email.
An item event (engine/declarations.py ITEM_EVENTS) is looked up in the item's `notify.<event>`, then its
declared default; a default for the owner is only the 消息中心 when the owner's own account acted.
"""
from __future__ import annotations

from engine import declarations
from engine.definitions.model import ItemDefinition, Transition, WorkflowDefinition
from engine.roles import OWNER_ROLES

REVIEWER_DEFAULT = ("inapp", "email")


def _ordered(channels) -> tuple[str, ...]:
    return tuple(c for c in declarations.CHANNELS if c in channels)


def transition_routes(item: ItemDefinition | None, wf: WorkflowDefinition, t: Transition,
                      by_owner: bool) -> dict[str, tuple[str, ...]]:
    """audience -> channels for this transition (an audience with no channel is left out)."""
    own = t.notify
    item_rule = declarations.notify_rules(item).get(t.trigger, {}) if item is not None else {}
    queue = bool(wf.state(t.dest).get("queue"))
    defaults = {"owner": declarations.INAPP_ONLY if by_owner else declarations.EVERY_CHANNEL,
                "reviewers": REVIEWER_DEFAULT if queue else ()}
    out = {}
    for audience in declarations.TRANSITION_AUDIENCES:
        if audience == "reviewers" and not queue:
            continue
        channels = item_rule.get(audience, own.get(audience, defaults[audience]))
        if channels:
            out[audience] = _ordered(channels)
    return out


def event_routes(item: ItemDefinition | None, event: str, by_owner: bool) -> dict[str, tuple[str, ...]]:
    """audience -> channels for an item event."""
    spec = declarations.ITEM_EVENTS.get(event)
    if spec is None:
        raise KeyError(f"unknown notice event {event!r} (engine/declarations.py ITEM_EVENTS)")
    item_rule = declarations.notify_rules(item).get(event, {}) if item is not None else {}
    out = {}
    for audience, default in spec.defaults.items():
        if audience == "owner" and by_owner:
            default = tuple(c for c in default if c in declarations.INAPP_ONLY)
        channels = item_rule.get(audience, default)
        if channels:
            out[audience] = _ordered(channels)
    return out


def fired_by_owner(t: Transition, role: str | None) -> bool:
    """Whether the owner's side moved the case itself (its receipt), rather than someone deciding on it."""
    return role in OWNER_ROLES and role in t.roles
