"""Chinese line breaking (content.linebreak): hard strings, every width, and the real Kivy measure.

The pure tests use a fixed-width measure: each non-ASCII character is 2 units, ASCII 1.
"""
from __future__ import annotations

import re

import pytest

from content.linebreak import (NO_LINE_END, NO_LINE_START, clusters, ellipsize, fit_lines,
                             split_long, wrap_cjk)


def width(text: str) -> int:
    return sum(1 if ch.isascii() else 2 for ch in text)


HARD = [
    "订单号 ABC-123 已经提交，请于2026-11-22前到综合窗口（1号窗口）办理。",
    "咨询电话：0571-86512300；投诉电话：0571-86512399。",
    "今年新增参保人数同比增长12.5%，其中60岁以上老人占“一半以上”。",
    "《最低生活保障审核确认办法》（民发〔2021〕57号）第十条规定……",
    "请访问https://www.zjzwfw.gov.cn/fuwu/personal/index.html办理，或拨打12345。",
    "他说：“明天上午9:30，请带好身份证、户口簿！”然后离开了。",
    "——这是破折号开头的段落——以及结尾的省略号……",
    "Supercalifragilisticexpialidocious是一个很长的英文单词，ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789也是。",
    "　　首行缩进两格的公文段落，后面还有很多很多文字需要折行显示在窗口里。",
    "第一段。\n\n第三段（第二段是空行）。\n",
    "mixed English words and 中文字符 with 2 spaces  between them, end.",
    "！！开头就是标点？（（括号连用））「『引号连用』」。",
]
WORDS = ["2026-11-22", "0571-86512300", "0571-86512399", "12.5%", "ABC-123", "9:30", "12345"]


def _clusters_width(text: str) -> int:
    return max((width(c) for para in text.split("\n") for c in clusters(para)), default=0)


def _no_spaces(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("text", HARD)
def test_every_width_fits_keeps_the_text_and_the_rules(text):
    paragraphs = text.split("\n")
    widest = _clusters_width(text)
    for max_width in range(2, 80):
        lines = wrap_cjk(text, width, max_width)
        where = f"width {max_width}: {lines}"
        # nothing lost, nothing invented: breaks only drop spaces
        assert _no_spaces("".join(lines)) == _no_spaces(text), where
        # every paragraph wraps on its own; an empty paragraph stays one empty line
        assert lines == [ln for p in paragraphs for ln in wrap_cjk(p, width, max_width)], where
        assert [p for p in paragraphs if not p.strip()] == \
            [ln for ln in lines if not ln], where
        for line in lines:
            assert width(line) <= max_width, where
            assert line == line.rstrip(), where
        if max_width < widest:
            continue  # a glued piece wider than a line must be cut somewhere
        for para in paragraphs:
            para_lines = wrap_cjk(para, width, max_width)
            for line in para_lines[1:]:  # a paragraph may itself start with "——"
                assert line[0] not in NO_LINE_START, where
            for line in para_lines[:-1]:
                assert line[-1] not in NO_LINE_END, where
        for word in WORDS:
            if word in text and max_width >= width(word) + 2:  # + glued punctuation
                assert any(word in line for line in lines), where


@pytest.mark.parametrize("text", HARD)
def test_lines_are_filled_greedily(text):
    """A line ends early only when the next piece did not fit (or moved down for a rule)."""
    for max_width in (12, 20, 33, 50):
        lines = [ln for ln in wrap_cjk(text, width, max_width) if ln]
        used = sum(width(ln) for ln in lines)
        assert len(lines) <= used / max_width * 1.6 + text.count("\n") + 2, (max_width, lines)


def test_cjk_breaks_between_characters():
    assert wrap_cjk("查看办理材料窗口和时限", width, 10) == ["查看办理材", "料窗口和", "时限"]


def test_no_closing_punctuation_at_a_line_start():
    assert wrap_cjk("请带好身份证，户口簿", width, 12) == ["请带好身份", "证，户口簿"]
    # two closing marks in a row move down together with their character
    assert wrap_cjk("甲乙丙丁戊」。己庚", width, 10) == ["甲乙丙丁", "戊」。己庚"]


def test_no_opening_bracket_at_a_line_end():
    assert wrap_cjk("办理地点为一（综合窗口）", width, 14) == ["办理地点为一", "（综合窗口）"]
    # (and "南”" alone at the end pulls "指" down with it)
    assert wrap_cjk("请阅读“办事指南”", width, 8) == ["请阅读", "“办事", "指南”"]


def test_mixed_line_breaks_inside_the_chinese_run():
    # Kivy alone would push the whole CJK run to the next line (PITFALLS.md)
    assert wrap_cjk("订单号 ABC-123 已经提交", width, 16) == ["订单号 ABC-123", "已经提交"]
    assert wrap_cjk("订单号 ABC-123 已经提交", width, 20) == ["订单号 ABC-123 已经", "提交"]
    assert wrap_cjk("订单号ABC-123已经提交", width, 12) == ["订单号", "ABC-123已经", "提交"]


def test_numbers_stay_whole():
    assert wrap_cjk("8:30-12:00，13:30-17:00", width, 12) == ["8:30-12:00，", "13:30-17:00"]
    assert wrap_cjk("值班电话0571-86512300", width, 16) == ["值班电话", "0571-86512300"]
    assert wrap_cjk("截止2026-11-22", width, 12) == ["截止", "2026-11-22"]
    assert wrap_cjk("增长了12.5%。", width, 8) == ["增长了", "12.5%。"]


def test_words_longer_than_a_line_are_cut_after_a_hyphen_or_slash():
    assert wrap_cjk("电话0571-86512300", width, 10) == ["电话0571-", "86512300"]
    assert wrap_cjk("https://www.example.gov.cn/a/b", width, 12) == \
        ["https://", "www.example.", "gov.cn/a/b"]
    lines = wrap_cjk("A" * 25, width, 10)
    assert lines == ["A" * 10, "A" * 10, "A" * 5]


def test_split_long_fills_the_room_first_and_keeps_the_rules():
    assert split_long("甲乙丙丁戊己", width, 4, room=2) == ["甲", "乙丙", "丁戊", "己"]
    assert split_long("AB-CDEFGHIJ", width, 4, room=3) == ["AB-", "CDEF", "GHIJ"]
    # a Latin word with no good cut in the room left starts on a fresh line
    assert split_long("ABCDEFGHIJ", width, 4, room=2) == ["", "ABCD", "EFGH", "IJ"]
    assert split_long("甲乙丙，", width, 6) == ["甲乙", "丙，"]


def test_no_lone_last_character():
    lines = wrap_cjk("功能室、开放时间、值班人员", width, 24)
    assert lines == ["功能室、开放时间、值班", "人员"]
    assert wrap_cjk("如需帮助请咨询工作人员。", width, 20) == ["如需帮助请咨询工作", "人员。"]


def test_paragraphs_empty_lines_and_indent_are_kept():
    assert wrap_cjk("甲\n\n乙\n", width, 10) == ["甲", "", "乙", ""]
    assert wrap_cjk("", width, 10) == [""]
    assert wrap_cjk("　　正文开始", width, 20) == ["　　正文开始"]
    assert wrap_cjk("甲乙丙丁   戊己", width, 8) == ["甲乙丙丁", "戊己"]  # spaces at a break go
    assert wrap_cjk("a\r\nb", width, 10) == ["a", "b"]


def test_clusters_glue_punctuation_to_its_neighbour():
    assert clusters("（综合窗口）。") == ["（综", "合", "窗", "口）。"]
    assert clusters("你好 ，世界") == ["你", "好 ，", "世", "界"]
    assert clusters("电话0571-86512300，谢谢") == ["电", "话", "0571-86512300，", "谢", "谢"]


def test_fit_lines_cuts_with_an_ellipsis():
    text = "这是一条很长很长的通知标题，需要两行以上才能显示完整的内容"
    lines = fit_lines(text, width, 12, max_lines=2)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(width(line) <= 12 for line in lines)
    assert fit_lines("短标题", width, 12, max_lines=2) == ["短标题"]


def test_ellipsize_fits_and_marks_the_cut():
    assert ellipsize("短", width, 10) == "短"
    cut = ellipsize("这是一条很长很长的通知标题", width, 10)
    assert cut.endswith("…") and width(cut) <= 10
    assert ellipsize("请看（附件说明）", width, 8) == "请看…"  # not "请看（…"


# ---- the real measure: Kivy's core label with the Chinese font --------------------------------

NOTICE = ("因幸福里路DN300供水主管道漏水需紧急抢修，丰乐水务将于2026年11月23日（星期一）22:00至"
          "11月24日6:00暂停供水，请受影响的居民提前做好储水准备。如遇抢修延期，将另行通知。"
          "供水服务热线：0571-86519600；社区值班电话：0571-86512300。订单号 ABC-123 已经提交，"
          "增长12.5%。")


@pytest.mark.ui
def test_real_font_lines_fit_and_kivy_keeps_them(kivy_window):
    from kivy.core.text import Label as CoreLabel

    from screens.cjk_label import CJKLabel, load_kv, text_width_of

    load_kv()
    # outline: the faux bold of headings widens each line, the measure must know it
    for font_size, outline in ((18, None), (30, None), (42, None), (42, 3)):
        for label_width in (180, 333, 517, 900):
            label = CJKLabel(font_size=font_size, width=label_width, padding=(7, 0, 5, 0))
            if outline:
                label.outline_width = outline
            label.plain_text = NOTICE
            label._wrap()
            label.texture_update()
            measure = text_width_of(label)
            assert len(label.lines) > 1 or label_width == 900
            for line in label.lines:
                assert measure(line) <= label.line_limit(), (font_size, label_width, line)
                assert not line or line[0] not in NO_LINE_START
            # Kivy lays out exactly our lines: it found none too wide to break again
            laid_out = label.make_core()
            laid_out.refresh()
            kivy_lines = ["".join(w.text for w in ln.words) for ln in laid_out._cached_lines]
            assert kivy_lines == label.lines, (font_size, label_width)
            assert label.texture_size[0] <= label_width
            # the sum-of-pieces estimate agrees with a whole-line measurement
            core = CoreLabel(font_size=font_size, font_name=label.font_name,
                             outline_width=outline)
            assert all(core.get_extents(line)[0] <= label.line_limit() for line in label.lines)


@pytest.mark.ui
def test_cjk_label_shows_markup_literally(kivy_window):
    from screens.cjk_label import CJKLabel, load_kv

    load_kv()
    with pytest.raises(TypeError):  # there is no markup to switch on
        CJKLabel(width=600, markup=True)
    label = CJKLabel(width=600, plain_text="[b]不是粗体[/b] [color=ff0000]红[/color]")
    label._wrap()
    assert label.markup is False
    assert label.text == "[b]不是粗体[/b] [color=ff0000]红[/color]"
    # drawn literally: the texture is as wide as the whole text with its brackets
    label.texture_update()
    laid_out = label.make_core()
    laid_out.refresh()
    assert "".join(w.text for ln in laid_out._cached_lines for w in ln.words) == label.text
    assert label.texture_size[0] > laid_out.get_extents("不是粗体 红")[0] * 2
