"""Every route of the app, in one place. Views attach to these names."""


def includeme(config):
    config.set_root_factory("webapp.resources.Root")
    config.add_static_view("static", "webapp:static", cache_max_age=3600)
    r = config.add_route

    r("home", "/")
    r("health", "/healthz")

    # accounts
    r("login", "/login")
    r("staff_login", "/staff/login")
    r("logout", "/logout")
    r("register_unit", "/register/unit")
    r("register_individual", "/register/individual")
    r("account", "/me/account")
    r("staff_code", "/staff/login/code")           # the second factor after a staff password
    r("staff_enrol", "/staff/two-factor")          # enrolling it (QR code, recovery codes)
    r("my_sessions", "/me/sessions")               # 登录设备
    r("my_session_end", "/me/sessions/{id:\\d+}/end")
    r("my_sessions_end_others", "/me/sessions/end-others")
    # 政务服务网统一身份认证 (OpenID Connect): start, and the provider's redirect back
    r("unified_login", "/login/unified")
    r("unified_callback", "/login/unified/callback")

    # items and cases (unit / individual side)
    r("item", "/items/{key}", factory="webapp.resources.item_factory")
    r("item_change", "/items/{key}/change", factory="webapp.resources.item_factory")
    r("case_detail", "/cases/{id:\\d+}", factory="webapp.resources.case_factory")
    r("case_edit", "/cases/{id:\\d+}/edit", factory="webapp.resources.case_factory")
    r("case_check", "/cases/{id:\\d+}/check", factory="webapp.resources.case_factory")
    r("case_done", "/cases/{id:\\d+}/done", factory="webapp.resources.case_factory")
    r("case_print", "/cases/{id:\\d+}/print", factory="webapp.resources.case_factory")
    r("attachment_file", "/cases/{id:\\d+}/files/{attachment_id:\\d+}", factory="webapp.resources.case_factory")
    r("my_cases", "/me/cases")
    r("case_rating", "/cases/{id:\\d+}/rating", factory="webapp.resources.case_factory")  # 好差评

    # 办件进度查询 (anyone: a case's reference and its owner's code, sent by POST)
    r("progress", "/progress")

    # 公示 of approved claims (anyone: the list, one claim, an objection)
    r("publicity_list", "/gongshi")
    r("publicity_claim", "/gongshi/{reference}")

    # 消息中心 (every signed-in person's notices)
    r("notices", "/me/notices")
    r("notice_read", "/me/notices/{id:\\d+}/read")
    r("notices_read_all", "/me/notices/read-all")

    # Excel batches
    r("item_template", "/items/{key}/template.xlsx", factory="webapp.resources.item_factory")
    r("item_import", "/items/{key}/import", factory="webapp.resources.item_factory")
    r("import_errors", "/imports/{token}/errors.xlsx")
    r("batch_rows", "/cases/{id:\\d+}/rows", factory="webapp.resources.case_factory")
    r("batch_file", "/cases/{id:\\d+}/import.xlsx", factory="webapp.resources.case_factory")
    r("batch_file_text", "/cases/{id:\\d+}/import-text.xlsx", factory="webapp.resources.case_factory")

    # 见习补贴申领 (claim items): a claim's lines, 重新计算 and 确认并提交
    r("subsidy_lines", "/cases/{id:\\d+}/subsidy", factory="webapp.resources.case_factory")

    # positions
    r("positions", "/positions")
    r("position", "/positions/{id:\\d+}", factory="webapp.resources.position_factory")
    r("position_intent", "/positions/{id:\\d+}/intent", factory="webapp.resources.position_factory")
    r("my_intents", "/me/intents")
    r("intent_withdraw", "/me/intents/{id:\\d+}/withdraw")
    r("unit_positions", "/unit/positions")
    r("unit_position", "/unit/positions/{id:\\d+}", factory="webapp.resources.position_factory")
    r("unit_position_takedown", "/unit/positions/{id:\\d+}/takedown", factory="webapp.resources.position_factory")
    r("unit_position_intents_xlsx", "/unit/positions/{id:\\d+}/intents.xlsx", factory="webapp.resources.position_factory")
    r("unit_agents", "/unit/agents")
    r("unit_agent_remove", "/unit/agents/{id:\\d+}/remove")
    r("unit_invitation_cancel", "/unit/invitations/{id:\\d+}/cancel")
    r("unit_position_match_template", "/unit/positions/{id:\\d+}/match-template.xlsx", factory="webapp.resources.position_factory")

    # reviewers
    r("review_queue", "/review")
    r("review_case", "/review/cases/{id:\\d+}", factory="webapp.resources.case_factory")
    r("review_transition", "/review/cases/{id:\\d+}/transitions/{trigger}", factory="webapp.resources.case_factory")
    r("review_claim", "/review/cases/{id:\\d+}/claim", factory="webapp.resources.case_factory")
    r("review_bulk", "/review/bulk")
    r("review_file", "/review/cases/{id:\\d+}/files/{attachment_id:\\d+}", factory="webapp.resources.case_factory")
    r("review_followups", "/review/followups")                       # 差评整改
    r("review_followup", "/review/followups/{id:\\d+}")
    r("review_missing", "/review/missing")
    r("review_objections", "/review/objections")                     # 公示异议
    r("review_objection_uphold", "/review/objections/{id:\\d+}/uphold")
    r("review_objection_dismiss", "/review/objections/{id:\\d+}/dismiss")
    r("review_missing_xlsx", "/review/missing.xlsx")
    r("review_statistics", "/review/statistics")                     # 数据统计
    r("review_statistics_xlsx", "/review/statistics.xlsx")
    r("review_payments", "/review/payments")                         # 见习补贴拨付
    r("review_payments_xlsx", "/review/payments.xlsx")

    # administration
    r("admin_home", "/admin")
    r("admin_accounts", "/admin/accounts")
    r("admin_account", "/admin/accounts/{id:\\d+}")
    r("admin_items", "/admin/items")
    r("admin_item", "/admin/items/{key}")
    r("admin_calendar", "/admin/calendar")
    r("admin_audit", "/admin/audit")
    r("admin_audit_xlsx", "/admin/audit.xlsx")
    r("admin_deliveries", "/admin/deliveries")
    r("admin_delivery_resend", "/admin/deliveries/{id:\\d+}/resend")
    r("admin_ratings", "/admin/ratings")                             # 好差评统计

    # JSON API (see /api/openapi.json)
    r("api_openapi", "/api/openapi.json")
    r("api_session", "/api/session")
    r("api_account", "/api/account")
    r("api_sessions", "/api/sessions")
    r("api_sessions_item", "/api/sessions/{id:\\d+}")
    r("api_regions", "/api/regions")
    r("api_items", "/api/items")
    r("api_item", "/api/items/{key}", factory="webapp.resources.item_factory")
    r("api_item_cases", "/api/items/{key}/cases", factory="webapp.resources.item_factory")
    r("api_item_template", "/api/items/{key}/template.xlsx", factory="webapp.resources.item_factory")
    r("api_item_imports", "/api/items/{key}/imports", factory="webapp.resources.item_factory")
    r("api_item_subsidy", "/api/items/{key}/subsidy-claims", factory="webapp.resources.item_factory")
    r("api_cases", "/api/cases")
    r("api_subsidy", "/api/cases/{id:\\d+}/subsidy", factory="webapp.resources.case_factory")
    r("api_subsidy_recompute", "/api/cases/{id:\\d+}/subsidy/recompute", factory="webapp.resources.case_factory")
    r("api_case", "/api/cases/{id:\\d+}", factory="webapp.resources.case_factory")
    r("api_case_check", "/api/cases/{id:\\d+}/check", factory="webapp.resources.case_factory")
    r("api_case_attachment", "/api/cases/{id:\\d+}/attachments/{slot}", factory="webapp.resources.case_factory")
    r("api_case_transition", "/api/cases/{id:\\d+}/transitions/{trigger}", factory="webapp.resources.case_factory")
    r("api_positions", "/api/positions")
    r("api_position", "/api/positions/{id:\\d+}", factory="webapp.resources.position_factory")
    r("api_position_intents", "/api/positions/{id:\\d+}/intents", factory="webapp.resources.position_factory")
    r("api_intent", "/api/intents/{id:\\d+}")
    r("api_review_cases", "/api/review/cases")
    r("api_case_rating", "/api/cases/{id:\\d+}/rating", factory="webapp.resources.case_factory")
    r("api_review_followups", "/api/review/followups")
    r("api_review_followup", "/api/review/followups/{id:\\d+}")
    r("api_review_missing", "/api/review/missing")
    r("api_review_statistics", "/api/review/statistics")
    r("api_review_payments", "/api/review/payments")
    r("api_review_payments_xlsx", "/api/review/payments.xlsx")
    r("api_case_payment", "/api/cases/{id:\\d+}/payment", factory="webapp.resources.case_factory")
    r("api_unit_agents", "/api/unit/agents")
    r("api_unit_agent", "/api/unit/agents/{id:\\d+}")
    r("api_unit_invitations", "/api/unit/invitations")
    r("api_unit_invitation", "/api/unit/invitations/{id:\\d+}")
    r("api_notices", "/api/notices")
    r("api_notice_read", "/api/notices/{id:\\d+}/read")
    r("api_notices_read_all", "/api/notices/read-all")
    r("api_progress", "/api/progress")
    r("api_publicity_list", "/api/publicity")
    r("api_publicity_claim", "/api/publicity/{reference}")
    r("api_publicity_objections", "/api/publicity/{reference}/objections")
    r("api_review_objections", "/api/review/objections")
    r("api_review_objection_uphold", "/api/review/objections/{id:\\d+}/uphold")
    r("api_review_objection_dismiss", "/api/review/objections/{id:\\d+}/dismiss")
