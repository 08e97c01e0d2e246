"""见习补贴: a claim's lines computed from the stored reports by a subsidy scheme (forms/schemes/), one job per
module, bottom to top: compute (the facts of some units over a period, read set-based, and the pure pass
that prices each trainee-month and says why in words) and claims (claim cases: the draft with its lines,
the reservation of each paid trainee-month on submission and its release on rejection or return, a page of
lines for the unit's and the reviewers' pages and the JSON API).

The scheme files are checked and loaded with the other definitions (engine/definitions/schemes.py).
"""
