def test_home_page_shows_the_menu(page, live_server, shot, session_factory):
    page.goto(live_server + "/")
    assert page.locator("main h1").inner_text() == "就业见习服务"
    assert page.get_by_role("link", name="见习匹配结果批量上报").first.is_visible()
    shot("home")
