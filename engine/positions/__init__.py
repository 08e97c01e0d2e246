"""Published positions: an approved post application, listed for the public while it is open.

A position is listed while its status is "open", its 招募截止日 has not passed and matched < openings.
The unit or a reviewer may take it down (recorded in position_events). Individuals register 我有意向
once per position (again after withdrawing); the unit sees who did, for its own positions only.
Which item publishes positions, which of its fields gives each attribute, and which item's approval
makes a unit an internship unit, are what the definitions declare (engine/declarations.py).

One job per module, bottom to top: status, cache, profile (declared values), publish (the effects),
search (the public search), intents, takedown, detail, unit (the unit's positions and interested
people), workbooks.
"""
# The modules, so `from engine import positions` reads `positions.<module>.<name>`; callers import names from their module.
from engine.positions import cache, detail, intents, profile, publish, search, status, takedown, unit, workbooks  # noqa: F401

__all__ = ['cache', 'detail', 'intents', 'profile', 'publish', 'search', 'status', 'takedown', 'unit', 'workbooks']
