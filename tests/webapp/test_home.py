from bs4 import BeautifulSoup


def test_home_lists_the_unit_entries_under_the_menu(testapp):
    page = testapp.get("/")
    soup = BeautifulSoup(page.text, "html.parser")
    groups = {h.get_text(" ", strip=True): [a.get_text(strip=True) for a in h.find_next("ul").find_all("a")]
              for h in soup.select("main section.panel h2")}
    assert groups["法人办事 → 就业创业"] == [
        "就业见习单位申请", "就业见习岗位申请", "就业见习岗位查询",
        "见习匹配结果批量上报", "见习考勤批量上报", "见习人员每月在岗情况上报", "见习补贴申领"]
    assert groups["公共就业 → 创业指导"] == ["见习岗位查询"]
    assert soup.find("html")["lang"] == "zh-CN"


def test_health(testapp):
    assert testapp.get("/healthz").json == {"ok": True}
