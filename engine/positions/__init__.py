"""Published positions: an approved post application, listed for the public while it is open.

A position is listed while its status is "open", its 招募截止日 has not passed and matched < openings.
The unit or a reviewer may take it down (recorded in position_events). Individuals register 我有意向
once per position (again after withdrawing); the unit sees who did, for its own positions only.
Which item publishes positions, which of its fields gives each attribute, and which item's approval
makes a unit an internship unit, are what the definitions declare (engine/declarations.py).

One job per module, bottom to top: status, cache, profile (declared values), publish (the effects),
search (the public search), intents, takedown, detail, unit (the unit's positions and interested
people), workbooks. The names callers use are importable from here.
"""
from engine.positions.cache import RESULT_CACHE, LruCache, search_version
from engine.positions.detail import PositionPage, position_detail, position_page
from engine.positions.intents import (
    MyIntent, active_intent, find_intent, intents_of_account, register_intent, withdraw_intent,
)
from engine.positions.profile import declared_values, unit_profile
from engine.positions.publish import publish_case, unpublish_case
from engine.positions.search import (
    FILTER_KEYS, PER_PAGE, PERIODS, SORTS, Choices, PositionFilters, PositionSummary, SearchResult,
    cached_search, parse_filters, regions_tree, search_choices, search_positions,
)
from engine.positions.status import STATUS_LABELS, PositionError, position_status
from engine.positions.takedown import ACTION_LABELS, position_history, take_down
from engine.positions.unit import (
    IntentPerson, UnitPosition, UnitPositionPage, application_item, intent_educations, position_intents,
    unit_position_page, unit_positions,
)
from engine.positions.workbooks import intents_workbook, intents_xlsx, match_rows, match_template

__all__ = [
    "ACTION_LABELS", "FILTER_KEYS", "PERIODS", "PER_PAGE", "RESULT_CACHE", "SORTS", "STATUS_LABELS",
    "Choices", "IntentPerson", "LruCache", "MyIntent", "PositionError", "PositionFilters", "PositionPage",
    "PositionSummary", "SearchResult", "UnitPosition", "UnitPositionPage", "active_intent", "application_item",
    "cached_search", "declared_values", "find_intent", "intent_educations", "intents_of_account",
    "intents_workbook", "intents_xlsx", "match_rows", "match_template", "parse_filters", "position_detail",
    "position_history", "position_intents", "position_page", "position_status", "publish_case", "regions_tree",
    "register_intent", "search_choices", "search_positions", "search_version", "take_down", "unit_position_page",
    "unit_positions", "unit_profile", "unpublish_case", "withdraw_intent",
]
