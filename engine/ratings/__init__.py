"""好差评 (GB/T 39735): the applicants' ratings of finished cases, one job per module, bottom to top: scale (the
dimensions, levels and rules: the one home of the rating scale), followups (差评整改/回访: the task a bad rating
opens, its deadline on the working-day calendar, its close, the 超期 scan), rating (rating a case once, and
reading it back on the case's pages and in the JSON API) and stats (the administrators' counts and 满意率).

The package sits below engine.cases, so the owner's case page, 个人中心 and the reviewer's case page show a
rating through their own one call; it builds on the notices, the clocks and engine.access.
"""
