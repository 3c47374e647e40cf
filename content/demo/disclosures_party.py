"""党务公开 of the demo centre: 党费, 发展党员公示, 党员积分评议, 主题党日, 支部换届选举."""
from __future__ import annotations

import datetime as dt

from content.demo.common import (
    COMMUNITY,
    PARTY_COMMITTEE,
    STREET,
    H,
    L,
    P,
    T,
    cn_date,
    disclosure,
    period_month,
    quarter_before,
    yuan,
)
from content.schemas import Disclosure

BRANCHES = ["第一网格党支部", "第二网格党支部", "第三网格党支部", "离退休党员党支部", "非公企业联合党支部"]

# (支部, 党员人数, 应交人数, 实交人数, 金额 cents, 备注)
DUES = [
    (BRANCHES[0], 46, 45, 45, 428640, "1人经批准免交"),
    (BRANCHES[1], 52, 52, 52, 513720, ""),
    (BRANCHES[2], 38, 38, 37, 302580, "1人外出务工，已联系补交"),
    (BRANCHES[3], 64, 64, 64, 691200, ""),
    (BRANCHES[4], 29, 29, 29, 384060, ""),
]

# (姓名, 性别, 出生 years before today, 出生月, 学历, 支部)
CANDIDATES = [
    ("周晓雯", "女", 29, 3, "大学本科", BRANCHES[0]),
    ("陈浩然", "男", 34, 11, "硕士研究生", BRANCHES[4]),
    ("林佳慧", "女", 41, 7, "大专", BRANCHES[1]),
]

EXCELLENT = [("沈国平", BRANCHES[3], 98), ("何丽娟", BRANCHES[0], 97), ("吴建军", BRANCHES[1], 96),
             ("徐美华", BRANCHES[3], 95), ("赵一鸣", BRANCHES[4], 95), ("朱秀英", BRANCHES[2], 94)]


def build(today: dt.date) -> list[Disclosure]:
    return [_dues(today), _candidates(today), _points(today), _party_day(today), _election(today)]


def _dues(today: dt.date) -> Disclosure:
    year, q = quarter_before(today)
    quarter = f"第{'一二三四'[q - 1]}季度"
    rows = [[b, str(n), str(due), str(paid), yuan(c), note] for b, n, due, paid, c, note in DUES]
    rows.append(["合计", *(str(sum(r[i] for r in DUES)) for i in (1, 2, 3)), yuan(sum(r[4] for r in DUES)), ""])
    return disclosure(
        "disclosure-party-dues", f"{PARTY_COMMITTEE}{year}年{quarter}党费收缴情况公示", "党务公开", f"{year}-Q{q}",
        PARTY_COMMITTEE,
        [
            P(f"按照党费收缴、使用和管理的有关规定，现将{PARTY_COMMITTEE}{year}年{quarter}党费收缴情况公示如下。"),
            T("党费收缴情况", ["党支部", "党员人数", "应交人数", "实交人数", "交纳金额（元）", "备注"], rows, "lrrrrl"),
            P(f"本季度收缴党费已全额上缴{STREET}党工委，专户管理。党员对本人交纳情况有疑问的，"
              "可向所在支部或到一楼党群服务窗口查询。"),
        ],
        today - dt.timedelta(days=12), today + dt.timedelta(days=18), sort=0,
    )


def _candidates(today: dt.date) -> Disclosure:
    rows = [[name, sex, f"{today.year - age}年{month}月", edu, f"{today.year - 3}年{3 + i}月",
             f"{today.year - 2}年{5 + i}月", branch]
            for i, (name, sex, age, month, edu, branch) in enumerate(CANDIDATES)]
    start, end = today - dt.timedelta(days=2), today + dt.timedelta(days=4)
    return disclosure(
        "disclosure-party-candidates", "关于拟接收预备党员的公示", "党务公开", period_month(today.year, today.month),
        PARTY_COMMITTEE,
        [
            P(f"经支部委员会研究、{PARTY_COMMITTEE}预审，以下{len(CANDIDATES)}名同志已完成培养考察、政治审查和集中培训，"
              "拟提交支部大会讨论接收为中共预备党员，现予公示。"),
            T("拟接收预备党员名单", ["姓名", "性别", "出生年月", "学历", "申请入党时间", "确定为积极分子时间", "所在支部"],
              rows, "ccccccl"),
            P(f"公示时间：{cn_date(start)}至{cn_date(end)}。党员和群众对公示对象有意见的，可通过来信、来电、来访"
              f"向{PARTY_COMMITTEE}反映。反映问题要实事求是，以真实姓名反映的优先核查。"),
            P("联系电话：0571-86512303（党群服务窗口）；来访地点：党群服务中心二楼党委办公室。"),
        ],
        start, end, sort=10,
    )


def _points(today: dt.date) -> Disclosure:
    year, half = (today.year - 1, 2) if today.month <= 6 else (today.year, 1)
    label = "上半年" if half == 1 else "下半年"
    total = sum(r[1] for r in DUES)
    excellent, basic = len(EXCELLENT) + 17, 2
    return disclosure(
        "disclosure-party-points", f"{PARTY_COMMITTEE}{year}年{label}党员积分评议结果公示", "党务公开", f"{year}-H{half}",
        PARTY_COMMITTEE,
        [
            P(f"根据党员积分制管理办法，{PARTY_COMMITTEE}对{year}年{label}党员参加组织生活、志愿服务、"
              "联系群众等情况进行积分评定，经党员自评、支部测评、党委审定，结果如下。"),
            L(f"参加评议党员{total}名", f"评定为优秀{excellent}名", f"合格{total - excellent - basic}名",
              f"基本合格{basic}名（已由支部书记谈话提醒）", "不合格0名"),
            H("积分排名前六位的党员"),
            T("", ["姓名", "所在支部", "积分"], [[n, b, str(p)] for n, b, p in EXCELLENT], "llr"),
            P("党员对本人积分有异议的，可在公示期内向所在支部提出复核。"),
        ],
        today - dt.timedelta(days=4), today + dt.timedelta(days=10), sort=20,
    )


def _party_day(today: dt.date) -> Disclosure:
    y, m = today.year, today.month
    return disclosure(
        "disclosure-party-day", f"{y}年{m}月主题党日活动安排", "党务公开", period_month(y, m), PARTY_COMMITTEE,
        [
            P(f"{COMMUNITY}每月15日为主题党日。本月各支部活动安排如下，欢迎在职党员、流动党员就近参加。"),
            T("", ["支部", "时间", "地点", "内容"], [
                [BRANCHES[0], f"{m}月15日 9:00", "二楼党员活动室", "集中学习，党员志愿服务小区楼道清理"],
                [BRANCHES[1], f"{m}月15日 14:00", "二楼多功能会议室", "学习党章，讨论加装电梯协调工作"],
                [BRANCHES[2], f"{m}月16日 9:00", "幸福里三区小广场", "“红色代办”进小区，为老人代办业务"],
                [BRANCHES[3], f"{m}月15日 9:30", "二楼老年活动室", "老党员讲党课，观看教育片"],
                [BRANCHES[4], f"{m}月17日 19:00", "二楼党员活动室", "“两新”党员夜学，交流新就业群体服务"],
            ], "llll"),
            P("因身体原因不能参加的老党员，支部将安排送学上门。"),
        ],
        today.replace(day=1), today.replace(day=1) + dt.timedelta(days=40), sort=30,
    )


def _election(today: dt.date) -> Disclosure:
    day = today - dt.timedelta(days=9)  # the 党员大会 was held the day before the 公告 went up
    return disclosure(
        "disclosure-branch-election", f"{BRANCHES[1]}委员会换届选举结果公告", "党务公开", period_month(day.year, day.month),
        PARTY_COMMITTEE,
        [
            P(f"{cn_date(day)}，{BRANCHES[1]}召开党员大会，应到党员52名，实到47名，"
              "超过应到会人数的五分之四，会议有效。大会以无记名投票方式差额选举产生了新一届支部委员会。"),
            T("新一届支部委员会组成", ["职务", "姓名", "得票数"], [
                ["支部书记", "吴建军", "46"], ["组织委员", "孙雅琴", "44"], ["宣传委员", "黄志强", "43"],
            ], "llr"),
            P(f"经{PARTY_COMMITTEE}批复同意，吴建军同志任支部书记。新一届支部委员会任期五年。特此公告。"),
        ],
        today - dt.timedelta(days=8), today + dt.timedelta(days=6), sort=40,
    )
