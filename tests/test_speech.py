"""What 朗读 says: the speech texts of the screens (screens.speech, pure functions) and the
numbers written out for espeak-ng (kiosk.tts_text). The UI side is tests/test_ui_read_aloud.py.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from content.schemas import (CST, Centre, Duty, Heading, ImageBlock, ListBlock, Notice, Paragraph,
                             Room, Table)
from kiosk import tts
from kiosk.i18n import set_locale
from kiosk.tts_text import integer_words, spoken_text
from screens import speech

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 22)
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (apt install espeak-ng)")

TABLE = Table(caption="2026年11月收支明细表", columns=["项目", "金额（元）", "备注"],
              rows=[["办公用品", "1,200.00", "打印纸"], ["", "", ""], ["水电费", "300.50", ""]])


@pytest.fixture(autouse=True)
def _zh_cn():
    set_locale("zh_CN")


def test_the_speech_module_does_not_need_kivy():
    code = "import sys, screens.speech; print(sorted(m for m in sys.modules if m.startswith('kivy')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


# ---- tables -----------------------------------------------------------------------------------

def test_a_table_is_read_caption_first_then_row_by_row_with_column_names():
    said = speech.table_sentences(TABLE)
    assert said == ["表格：2026年11月收支明细表，共 3 行",
                    "第1行：项目 办公用品，金额 1,200.00 元，备注 打印纸",
                    # row 2 is empty: nothing to say, and row 3 keeps its number
                    "第3行：项目 水电费，金额 300.50 元"]


def test_a_unit_in_a_column_name_goes_only_after_numbers():
    table = Table(columns=["项目", "说明（备注）", "人数(人)"], rows=[["慰问", "困难家庭", "16"],
                                                              ["走访", "12", "待定"]])
    assert speech.table_sentences(table) == [
        "表格，共 2 行",
        "第1行：项目 慰问，说明（备注） 困难家庭，人数 16 人",
        "第2行：项目 走访，说明 12 备注，人数(人) 待定"]


def test_a_table_without_rows_says_only_its_caption():
    assert speech.table_sentences(Table(caption="明细", columns=["项目"], rows=[])) == \
        ["表格：明细，共 0 行"]


def test_a_cell_over_several_lines_is_one_clause():
    table = Table(columns=["项目", "备注"], rows=[["慰问", "困难家庭16户\n每户500元"]])
    assert speech.table_sentences(table)[1] == "第1行：项目 慰问，备注 困难家庭16户，每户500元"


# ---- blocks -----------------------------------------------------------------------------------

def test_blocks_are_read_in_order_and_empty_ones_say_nothing():
    blocks = [Heading(text="停水范围"), Paragraph(text="  "), Paragraph(text="第一段\n第二段"),
              ListBlock(items=["一区", "二区"]), ListBlock(items=["带身份证", "填表"], ordered=True),
              ImageBlock(blob="a" * 64), ImageBlock(blob="b" * 64, caption="示意图"), TABLE]
    text = speech.notice_speech("停水通知", "2026年12月1日发布", blocks)
    assert text.startswith("停水通知。2026年12月1日发布。停水范围。第一段。第二段。一区。二区。"
                           "第1条：带身份证。第2条：填表。图片：示意图。表格：2026年11月收支明细表")
    assert "。。" not in text and text.endswith("金额 300.50 元。")


def test_blocks_given_as_dicts_are_read_like_blocks():
    blocks = [{"type": "paragraph", "text": "你好"}, {"type": "list", "items": ["甲"]}]
    assert speech.disclosure_speech("标题", ["发布单位：居委会", ""], blocks) == \
        "标题。发布单位：居委会。你好。甲。"


def test_markup_like_text_is_read_literally():
    text = speech.notice_speech("[b]通知[/b]", "", [Paragraph(text="<speak>请 &amp; [color=ff0000]注意[/color]</speak>")])
    assert text == "[b]通知[/b]。<speak>请 &amp; [color=ff0000]注意[/color]</speak>。"


def test_sentences_keep_their_own_end_and_drop_dangling_commas():
    assert speech.sentences(["真的吗？", "好，", "", " 走 "]) == "真的吗？好。走。"


# ---- centre, guides, 取号 ---------------------------------------------------------------------

def test_the_centre_is_read_with_todays_duty_and_the_rooms():
    centre = Centre(id="demo-centre", title="中心", name="测试中心", address="测试路1号",
                    phone="0571-86512300", hours=["周一至周五 8:30-17:00"],
                    rooms=[Room(name="图书室", floor="二楼", hours="9:00-20:30", description="藏书"),
                           Room(name="[b]活动室[/b]", floor="")],
                    duty=[Duty(date=TODAY, name="刘芳", role="值班领导", phone="0571-1"),
                          Duty(date=TODAY, name="赵雪", role="社工"),
                          Duty(date=TODAY + dt.timedelta(days=1), name="明天的人", role="网格员")],
                    updated_at=dt.datetime(2026, 11, 1, tzinfo=CST))
    assert speech.centre_speech(centre, TODAY) == (
        "测试中心。地址：测试路1号。咨询电话：0571-86512300。周一至周五 8:30-17:00。"
        "今日值班：值班领导 刘芳，电话 0571-1；社工 赵雪。功能室（2个）。"
        "图书室，二楼，开放时间：9:00-20:30。[b]活动室[/b]。")
    no_duty = speech.centre_speech(centre, TODAY - dt.timedelta(days=1))
    assert "今日无值班安排" in no_duty and "刘芳" not in no_duty
    assert speech.centre_speech(None, TODAY) == ""


def test_ticket_texts():
    assert speech.services_speech("请选择要办理的业务", "", [
        ("A", "综合受理", "等候 6 人 · 约 18 分钟"), ("D", "党员服务", "明天 08:30 开始取号")]) == \
        "请选择要办理的业务。A 综合受理，等候 6 人，约 18 分钟。D 党员服务，明天 08:30 开始取号。"
    assert speech.confirm_speech("综合受理", "等候 6 人 · 约 18 分钟", "") == \
        "综合受理。等候 6 人，约 18 分钟。取号后请在大厅等候，留意叫号屏幕；过号请重新取号。"
    assert speech.ticket_speech("A012", "综合受理", "您前面还有 6 人等候",
                                "已打印，请从下方出纸口取走小票。") == \
        "您的号码 A012，综合受理，您前面还有 6 人等候。已打印，请从下方出纸口取走小票。"


# ---- numbers for espeak-ng ----------------------------------------------------------------------

@pytest.mark.parametrize("value, words", [
    (0, "零"), (7, "七"), (10, "十"), (12, "十二"), (20, "二十"), (105, "一百零五"), (110, "一百一十"),
    (1005, "一千零五"), (1200, "一千二百"), (10086, "一万零八十六"), (120000, "十二万"),
    (100000010, "一亿零一十"), (12345678, "一千二百三十四万五千六百七十八"), (2000000, "二百万")])
def test_integers_in_words(value, words):
    assert integer_words(value) == words


@pytest.mark.parametrize("text, spoken", [
    ("金额 1,200.00 元", "金额 一千二百点零零 元"),
    ("第1行", "第一行"),
    ("12,345,678.5", "一千二百三十四万五千六百七十八点五"),
    ("出勤率 96.2%", "出勤率 百分之九十六点二"),
    ("温度 -5 度", "温度 负五 度"),
    ("您的号码 A012", "您的号码 A零一二"),
    ("电话 0571-86512300", "电话 零五七一 八六五一二三零零"),
    ("手机 13812345678", "手机 一三八一二三四五六七八"),
    ("2026年11月", "二零二六年十一月"),
    ("2026-12-03", "二零二六年十二月三日"),
    ("周一至周五 8:30-12:00", "周一至周五 八点三十分至十二点"),
    ("12月3日22:00至次日6:05", "十二月三日二十二点至次日六点零五分"),
    ("幸福里一区1-12幢", "幸福里一区一至十二幢"),
    ("没有数字", "没有数字"),
    ("个人缴费 530 元/年", "个人缴费 五百三十 元每年"),
    ("党务/政务", "党务、政务"),
    ("户主 张*明、李*", "户主 张某明、李某"),
    ("3#楼 A&B +86", "三号楼 A和B 加八六"),
])
def test_numbers_are_written_out_for_espeak(text, spoken):
    assert spoken_text(text) == spoken


@needs_espeak
def test_the_demo_content_is_read_in_mandarin_only(demo_view):
    """Every speech text of the demo notices, disclosures and centre, as espeak-ng would speak
    it: no digit left for espeak's own number reading, and no switch to the English voice but
    for Latin words (the demo's "APP" is read in English, as people say it)."""
    now = dt.datetime(2026, 12, 2, 10, 0, tzinfo=CST)
    texts = [speech.notice_speech(n.title, "", n.blocks) for n in demo_view.items("notice", now)
             if isinstance(n, Notice)]
    texts += [speech.disclosure_speech(d.title, [d.publisher], d.blocks)
              for d in demo_view.items("disclosure", now)]
    texts += [speech.guide_speech(g) for g in demo_view.items("guide", now)]
    texts.append(speech.centre_speech(demo_view.centre(), now.date()))
    assert len(texts) > 5 and any("第1行：" in t for t in texts)  # a table among them
    for text in texts:
        assert not any(c.isdigit() and c.isascii() for c in spoken_text(text)), spoken_text(text)
        phonemes = tts.phonemes(re.sub("[A-Za-z]+", "", text))
        assert "(en)" not in phonemes, (text, phonemes)
