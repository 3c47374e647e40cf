"""Guide search: Chinese substring, full pinyin, initials, mixed input; ranked."""
import datetime as dt

import pytest

from content.bundle import BundleWriter
from content.schemas import Centre, Guide
from content.search import SearchIndex, index_rows, initials, full_pinyin
from content.store import build_version, open_current

WHEN = dt.datetime(2026, 10, 1, 9, 0)


def guide(gid, title, keywords=(), category="民生保障", sort=0, **kw):
    return Guide(id=gid, title=title, updated_at=WHEN, category=category, keywords=list(keywords), sort=sort, **kw)


GUIDES = [
    guide("dibao", "最低生活保障申请", ["低保", "低保申请"]),
    guide("yibao", "城乡居民医保参保登记", ["医保", "医疗保险"], category="社会保障"),
    guide("tekun", "特困人员救助供养", ["五保"]),
    guide("juzhu", "居住证办理", ["居住证"], category="便民服务"),
    guide("laonian", "老年人优待证", ["优待证"], category="老龄服务"),
    guide("gaoling", "高龄津贴申领", ["老年人补贴"], category="老龄服务"),
    guide("dangfei", "党费缴纳", ["交党费"], category="党务服务"),
    guide("expired", "低保复核（旧）", ["低保"], expire_at=dt.datetime(2026, 1, 1)),
]


@pytest.fixture(scope="module")
def view(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("search")
    w = BundleWriter()
    w.add_item(Centre(id="demo-centre", title="测试中心", name="测试中心", address="测试路1号", updated_at=WHEN))
    for g in GUIDES:
        w.add_item(g)
    w.write_dir(tmp / "bundle")
    build_version(tmp / "bundle", tmp / "data")
    return open_current(tmp / "data")


def ids(view, q):
    return [g.id for g in view.search(q)]


def test_pinyin_helpers():
    assert full_pinyin("医保") == "yibao"
    assert initials("城乡居民医保参保登记") == "cxjmybcbdj"
    assert initials("B超检查") == "bcjc"


def test_initials_find_dibao_first(view):
    assert ids(view, "dbsq")[0] == "dibao"
    assert ids(view, "DBSQ")[0] == "dibao"


@pytest.mark.parametrize("q", ["yibao", "医保", "ybcb", "yi bao", "医bao", "医b"])
def test_medical_insurance_found(view, q):
    assert ids(view, q)[0] == "yibao"


def test_mixed_chinese_and_initials(view):
    assert ids(view, "低保sq")[0] == "dibao"
    assert ids(view, "低保shenqing")[0] == "dibao"


def test_chinese_substring_anywhere(view):
    assert ids(view, "参保") == ["yibao"]
    assert ids(view, "救助") == ["tekun"]


def test_title_ranks_before_keyword_before_category(view):
    # 老年人: title of 老年人优待证, keyword of 高龄津贴申领; 老龄服务 category of both
    assert ids(view, "老年人") == ["laonian", "gaoling"]
    assert ids(view, "laonian")[:2] == ["laonian", "gaoling"]
    # 服务: only categories (便民服务, 老龄服务, 党务服务)
    assert set(ids(view, "服务")) == {"juzhu", "laonian", "gaoling", "dangfei"}


def test_prefix_ranks_before_infix():
    rows = index_rows("a", "临时救助", [], "x") + index_rows("b", "救助站登记", [], "x")
    index = SearchIndex(rows, {"a": (0, 4, "临时救助"), "b": (0, 5, "救助站登记")})
    assert index.search("救助") == ["b", "a"]
    assert index.search("jiuzhu") == ["b", "a"]


def test_expired_guides_are_not_found(view):
    assert "expired" not in ids(view, "低保")
    assert "expired" not in ids(view, "dibao")


@pytest.mark.parametrize("q", ["", "   ", "，。！", "zzzzqqq", "不存在的事项"])
def test_no_match_or_empty_query(view, q):
    assert ids(view, q) == []


def test_one_letter_answers_come_from_the_build_time_cache(view):
    index = view.search_index()
    assert "d" in index.precomputed
    assert index.search("d") == index._search("d")  # the cache agrees with a fresh search
    assert "dibao" in ids(view, "d")


def test_limit(view):
    assert len(view.search("a", limit=2)) == 2


def test_top_n_agrees_with_the_full_ranking():
    from tests.synthetic import synthetic_guides

    rows, order = [], {}
    for g in synthetic_guides(1200):
        rows += index_rows(g.id, g.title, list(g.keywords), g.category)
        order[g.id] = (g.sort, len(g.title), g.title)
    index = SearchIndex(rows, order)
    for q in ["j", "ji", "jiu", "sh", "zhu", "lnr", "老年", "服务", "yb", "残疾人", "qq", "e", "1", "低保sq"]:
        full = index._search(q)
        for limit in (1, 7, 50, 5000):
            assert index._top(q, limit) == full[:limit], (q, limit)
