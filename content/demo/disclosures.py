"""公开 of the demo centre: the builder, plus the 财务公开 items.

Periods and 公示期 follow `today`, so the demo always shows last month's accounts, the last
complete quarter, and 公示 that are open right now. Amounts are kept in cents so that every
total adds up to the cent.
"""
from __future__ import annotations

import datetime as dt

from content.demo import disclosures_party, disclosures_public, images
from content.demo.common import (
    COMMUNITY,
    PARTY_COMMITTEE,
    RESIDENTS_COMMITTEE,
    SUPERVISION_COMMITTEE,
    H,
    P,
    T,
    disclosure,
    month_before,
    period_month,
    quarter_before,
    yuan,
)
from content.schemas import Disclosure, ImageBlock

# (科目, 收入 cents, 支出 cents, 备注)
LAST_MONTH = [
    ("上级拨付社区工作经费", 3000000, 0, "街道按月拨付"),
    ("社区服务群众专项经费", 5000000, 0, "专款用于民生微实事项目"),
    ("公益性岗位补贴", 864000, 0, "3个岗位，区人社局拨付"),
    ("银行存款利息", 2356, 0, ""),
    ("办公用品及耗材", 0, 238650, "打印纸、硒鼓、档案盒"),
    ("水电费", 0, 421580, "党群服务中心"),
    ("网络及通信费", 0, 118000, "宽带、固定电话"),
    ("公益性岗位人员工资", 0, 864000, "3人"),
    ("困难群众走访慰问", 0, 800000, "慰问困难家庭16户，每户500元"),
    ("邻里节活动物资", 0, 682000, "凭发票及签收单报销"),
    ("老年活动室空调维修", 0, 195000, "经居务监督委员会验收"),
    ("垃圾分类宣传印刷", 0, 126000, "宣传折页2000份"),
    ("民生微实事：3幢非机动车棚充电桩", 0, 2840000, "验收合格后一次性支付"),
    ("银行手续费", 0, 1500, ""),
]
MONTH_BEFORE = [
    ("上级拨付社区工作经费", 3000000, 0, "街道按月拨付"),
    ("党组织服务群众经费", 2000000, 0, "街道党工委拨付，专款专用"),
    ("公益性岗位补贴", 864000, 0, "3个岗位，区人社局拨付"),
    ("银行存款利息", 2117, 0, ""),
    ("办公用品及耗材", 0, 156320, "复印纸、文件柜"),
    ("水电费", 0, 467215, "含空调用电"),
    ("网络及通信费", 0, 118000, "宽带、固定电话"),
    ("公益性岗位人员工资", 0, 864000, "3人"),
    ("党员教育培训", 0, 328000, "学习资料、流动党员集中学习"),
    ("志愿服务保险", 0, 96000, "为120名志愿者购买意外险"),
    ("老年助餐补贴", 0, 1250000, "80周岁以上老人就餐1250人次"),
    ("消防器材更换", 0, 213600, "灭火器24具"),
    ("银行手续费", 0, 1000, ""),
]
OPENING_BALANCE = 18643218  # cents, at the start of the month before last

SERVICE_FUND = [  # 党组织服务群众经费 of the last quarter: (用途, cents, 说明)
    ("走访慰问困难党员、群众", 1280000, "慰问困难党员、困难群众共32户"),
    ("党员志愿服务活动", 965000, "助老、文明劝导、垃圾分类督导"),
    ("主题党日及党员教育", 742000, "学习资料、现场教学交通费"),
    ("党群阵地维护", 530000, "党员活动室桌椅更新"),
    ("“微心愿”认领", 486000, "为困难儿童、独居老人实现微心愿58个"),
]


def build_disclosures(writer, today: dt.date) -> list[Disclosure]:
    items = finance(writer, today)
    items += disclosures_party.build(today)
    items += disclosures_public.build(writer, today)
    return items


def finance(writer, today: dt.date) -> list[Disclosure]:
    y2, m2 = month_before(today, 2)
    y1, m1 = month_before(today, 1)
    closing2 = OPENING_BALANCE + _net(MONTH_BEFORE)
    first_of_month = today.replace(day=1)
    return [
        _monthly(y1, m1, LAST_MONTH, closing2, "disclosure-finance-last-month",
                 max(first_of_month, today - dt.timedelta(days=6)), today + dt.timedelta(days=24), sort=0),
        _monthly(y2, m2, MONTH_BEFORE, OPENING_BALANCE, "disclosure-finance-month-before",
                 today - dt.timedelta(days=30), today + dt.timedelta(days=5), sort=10),
        _service_fund(writer, today),
    ]


def _net(rows) -> int:
    return sum(r[1] for r in rows) - sum(r[2] for r in rows)


def _monthly(year: int, month: int, rows, opening: int, item_id: str, valid_from, valid_to, sort: int) -> Disclosure:
    income = sum(r[1] for r in rows)
    spent = sum(r[2] for r in rows)
    table_rows = [[name, yuan(i) if i else "", yuan(e) if e else "", note] for name, i, e, note in rows]
    table_rows.append(["合计", yuan(income), yuan(spent), ""])
    return disclosure(
        item_id, f"{COMMUNITY}{year}年{month}月财务收支情况公开", "财务公开", period_month(year, month),
        RESIDENTS_COMMITTEE,
        [
            P(f"根据社区财务公开有关规定，现将{COMMUNITY}{year}年{month}月财务收支情况公布如下，接受居民监督。"),
            H("一、收支概况"),
            P(f"上月结余{yuan(opening)}元，本月收入{yuan(income)}元，本月支出{yuan(spent)}元，"
              f"月末结余{yuan(opening + income - spent)}元。"),
            H("二、收支明细"),
            T(f"{year}年{month}月收支明细表", ["科目", "收入（元）", "支出（元）", "备注"], table_rows, "lrrl"),
            H("三、监督渠道"),
            P(f"以上收支已经{SUPERVISION_COMMITTEE}审核。居民对公开内容有疑问的，可在公示期内到一楼居务公开栏旁的"
              "意见箱留言，或拨打0571-86512300咨询，社区将在5个工作日内答复。"),
        ],
        valid_from, valid_to, sort=sort,
    )


def _service_fund(writer, today: dt.date) -> Disclosure:
    year, q = quarter_before(today)
    total = sum(c for _, c, _ in SERVICE_FUND)
    chart = writer.add_blob(
        images.bar_chart_png(f"{year}年第{'一二三四'[q - 1]}季度党组织服务群众经费使用情况",
                             [name for name, _, _ in SERVICE_FUND], [c / 100 for _, c, _ in SERVICE_FUND], "元"),
        "image/png")
    rows = [[name, yuan(c), f"{c * 100 / total:.1f}%", note] for name, c, note in SERVICE_FUND]
    rows.append(["合计", yuan(total), "100.0%", ""])
    quarter = f"第{'一二三四'[q - 1]}季度"
    return disclosure(
        "disclosure-party-service-fund", f"{year}年{quarter}党组织服务群众经费使用情况", "财务公开", f"{year}-Q{q}",
        PARTY_COMMITTEE,
        [
            P(f"{year}年{quarter}，{PARTY_COMMITTEE}使用党组织服务群众经费共计{yuan(total)}元，"
              "全部用于服务群众、党员教育和阵地建设，无招待、福利等支出。具体如下："),
            ImageBlock(blob=chart, caption=f"{year}年{quarter}党组织服务群众经费使用情况（单位：元）"),
            T("经费使用明细", ["用途", "金额（元）", "占比", "说明"], rows, "lrrl"),
            P("经费使用经社区党委会议研究决定，每笔支出均有发票和签收记录，欢迎党员群众监督。"),
        ],
        today - dt.timedelta(days=10), today + dt.timedelta(days=20), sort=20,
    )
