"""政务公开 and 居务公开 of the demo centre.

Names of assistance recipients are masked the way 公示 do it (张*明): the 公示 lets neighbours
check, without publishing more than the law asks for.
"""
from __future__ import annotations

import datetime as dt

from content.demo import images
from content.demo.common import (
    COMMUNITY,
    GRIDS,
    RESIDENTS_COMMITTEE,
    STREET,
    STREET_OFFICE,
    H,
    L,
    P,
    T,
    cn_date,
    disclosure,
    month_before,
    period_month,
)
from content.schemas import Disclosure

# (户主, 家庭人口, 保障人数, 月保障金额 元, 类别, 网格)
DIBAO = [
    ("张*明", 3, 2, 1630, "新申请", "第一网格"), ("李*", 1, 1, 1250, "新申请", "第三网格"),
    ("王*芳", 2, 2, 1470, "复核续保", "第二网格"), ("赵*国", 4, 3, 2105, "复核续保", "第一网格"),
    ("陈*英", 1, 1, 1250, "复核续保", "第三网格"), ("刘*华", 3, 1, 560, "复核调整", "第二网格"),
    ("孙*", 2, 1, 830, "复核调整", "第四网格"), ("周*兰", 2, 2, 1820, "新申请", "第四网格"),
]
HIGH_AGE = [("钱*娣", "女", 80, "幸福里一区"), ("郑*根", "男", 80, "幸福里二区"), ("冯*珍", "女", 81, "幸福里三区"),
            ("褚*福", "男", 80, "幸福里一区"), ("韩*英", "女", 90, "和丰新村"), ("杨*发", "男", 90, "幸福里二区")]
HOUSING = [("蒋*平", 3, "公租房实物配租", "合格"), ("沈*", 1, "公租房实物配租", "合格"), ("韩*梅", 2, "租赁补贴", "合格"),
           ("朱*强", 4, "公租房实物配租", "合格"), ("秦*", 1, "租赁补贴", "合格"), ("尤*红", 2, "公租房实物配租", "合格"),
           ("许*东", 3, "租赁补贴", "不合格（名下有房产）"), ("何*", 1, "公租房实物配租", "合格"),
           ("吕*玲", 2, "租赁补贴", "合格"), ("施*军", 3, "公租房实物配租", "合格"), ("张*", 1, "租赁补贴", "合格"),
           ("孔*华", 2, "公租房实物配租", "合格"), ("曹*", 1, "租赁补贴", "不合格（收入超标）"),
           ("严*芬", 3, "公租房实物配租", "合格"), ("华*", 2, "租赁补贴", "合格"), ("金*生", 4, "公租房实物配租", "合格")]


def build(writer, today: dt.date) -> list[Disclosure]:
    return [_dibao(today), _high_age(today), _insurance_rates(today), _housing(writer, today),
            _projects(today), _grids(today), _council(today), _sorting(today)]


def _dibao(today: dt.date) -> Disclosure:
    start, end = today - dt.timedelta(days=2), today + dt.timedelta(days=4)  # 公示期7天
    rows = [[str(i + 1), n, str(f), str(c), f"{amt:,}", kind, grid] for i, (n, f, c, amt, kind, grid) in enumerate(DIBAO)]
    return disclosure(
        "disclosure-dibao", f"{COMMUNITY}{today.year}年{today.month}月最低生活保障对象公示", "政务公开",
        period_month(today.year, today.month), RESIDENTS_COMMITTEE,
        [
            P(f"经本人申请、社区入户调查、家庭经济状况核对和民主评议，以下{len(DIBAO)}户拟纳入或继续享受最低生活保障，现予公示。"
              "本市城乡低保标准为每人每月1250元。"),
            T("低保对象名单", ["序号", "户主", "家庭人口", "保障人数", "月保障金额（元）", "类别", "所在网格"], rows, "cccrrcc"),
            P("另有2户因家庭收入超过低保标准，经复核停止保障：吴*（第二网格）、钱*平（第四网格）。"),
            H("公示期和异议"),
            P(f"公示期：{cn_date(start)}至{cn_date(end)}（7天）。对公示对象有异议的，可向{COMMUNITY}（0571-86512301）"
              f"或{STREET}社会事务办（0571-86510020）实名反映，我们将在5个工作日内核查并答复。"),
        ],
        start, end, sort=0,
    )


def _high_age(today: dt.date) -> Disclosure:
    start, end = today - dt.timedelta(days=3), today + dt.timedelta(days=7)
    rows = [[str(i + 1), n, s, f"{a}周岁", area] for i, (n, s, a, area) in enumerate(HIGH_AGE)]
    return disclosure(
        "disclosure-high-age", f"{today.year}年{today.month}月新增高龄津贴发放对象公示", "政务公开",
        period_month(today.year, today.month), RESIDENTS_COMMITTEE,
        [
            P(f"以下{len(HIGH_AGE)}位老人本月起新增享受或调整高龄津贴档次，现予公示。祝老人们健康长寿！"),
            T("新增高龄津贴对象", ["序号", "姓名", "性别", "年龄", "所在小区"], rows, "ccccl"),
            P("80至89周岁、90至99周岁、100周岁以上分档发放，标准按本市规定执行。对名单有疑问的请联系1号、2号窗口。"),
        ],
        start, end, sort=10,
    )


def _insurance_rates(today: dt.date) -> Disclosure:
    year = today.year + 1 if today.month >= 9 else today.year
    return disclosure(
        "disclosure-medical-rates", f"{year}年度城乡居民基本医疗保险缴费标准", "政务公开", str(year), STREET_OFFICE,
        [
            P(f"根据市医疗保障局、市财政局有关通知，{year}年度本市城乡居民基本医疗保险个人缴费标准如下。"),
            T("个人缴费标准", ["参保人群", "个人缴费（元/年）", "财政补助（元/年）", "备注"], [
                ["成年居民", "530", "不低于700", ""],
                ["未成年人、在校学生", "330", "不低于700", "含大中专院校学生"],
                ["低保、特困人员", "0", "全额资助", "由民政部门代缴"],
                ["低保边缘家庭成员", "265", "资助50%", "由民政部门资助"],
                ["重度残疾人", "0", "全额资助", "持一、二级残疾人证"],
            ], "lrrl"),
            H("缴费方式"),
            L("税务APP或政务服务网线上缴费", "合作银行网点柜台或自助终端缴费", "党群服务中心3号、4号窗口代办缴费"),
            P(f"集中缴费期为{year - 1}年9月1日至12月31日，按时缴费的自{year}年1月1日起享受待遇。"),
        ],
        today - dt.timedelta(days=20), today + dt.timedelta(days=60), sort=20,
    )


def _housing(writer, today: dt.date) -> Disclosure:
    batch = (today.month + 2) // 3
    start, end = today - dt.timedelta(days=1), today + dt.timedelta(days=5)
    title = f"{STREET}{today.year}年第{batch}批公共租赁住房保障资格审核结果公示"
    cols = ["序号", "申请人", "家庭人口", "申请类型", "审核结果"]
    rows = [[str(i + 1), n, str(p), kind, res] for i, (n, p, kind, res) in enumerate(HOUSING)]
    ok = sum(1 for r in HOUSING if r[3] == "合格")
    page1 = images.scanned_page_png(
        title,
        [f"根据《公共租赁住房管理办法》和本市公共租赁住房保障有关规定，经申请人申请、社区初审、街道复核，"
         f"现将{STREET}{today.year}年第{batch}批公共租赁住房保障资格审核结果予以公示。",
         f"本批共受理申请{len(HOUSING)}户，审核合格{ok}户，不合格{len(HOUSING) - ok}户，名单如下："],
        (cols, rows[:10]), [], None, 1, 2)
    page2 = images.scanned_page_png(
        "",
        [],
        (cols, rows[10:]),
        ["", f"公示期：{cn_date(start)}至{cn_date(end)}", "异议电话：0571-86510020（街道住房保障办）", "",
         STREET_OFFICE, cn_date(start)],
        STREET_OFFICE.replace("丰乐区", ""), 2, 2)
    pages = (writer.add_blob(page1, "image/png"), writer.add_blob(page2, "image/png"))
    return disclosure(
        "disclosure-public-housing", title, "政务公开", period_month(today.year, today.month), STREET_OFFICE,
        [
            P(f"本批共受理{len(HOUSING)}户，审核合格{ok}户，不合格{len(HOUSING) - ok}户。"
              "公示原件共2页，见下方扫描件。"),
            P(f"公示期：{cn_date(start)}至{cn_date(end)}。对审核结果有异议的，请在公示期内实名反映。"),
        ],
        start, end, pages=pages, sort=30,
    )


def _projects(today: dt.date) -> Disclosure:
    y1, m1 = month_before(today, 1)
    y3, m3 = month_before(today, 3)
    y5, m5 = month_before(today, 5)
    rows = [
        ["1", "3幢非机动车棚充电桩", "幸福里一区3幢", "29,800.00", "28,400.00", "丰乐电力安装公司", f"{y1}年{m1}月", "已验收"],
        ["2", "老年活动室适老化改造", "党群服务中心二楼", "46,000.00", "45,260.00", "和丰装饰工程队", f"{y3}年{m3}月", "已验收"],
        ["3", "二区健身路径更新", "幸福里二区中心花园", "38,500.00", "37,900.00", "区体育器材中心", f"{y5}年{m5}月", "已验收"],
        ["4", "和丰新村楼道照明改造", "和丰新村1-9幢", "52,000.00", "—", "丰乐电力安装公司", "—", "实施中"],
        ["5", "儿童之家绘本更新", "党群服务中心二楼", "8,000.00", "—", "社区采购", "—", "采购中"],
    ]
    return disclosure(
        "disclosure-projects", f"{COMMUNITY}{today.year}年民生微实事项目实施情况", "居务公开", str(today.year),
        RESIDENTS_COMMITTEE,
        [
            P("民生微实事项目由居民提议、居民代表会议票决产生，资金来源为社区服务群众专项经费。项目进展如下："),
            T("项目实施情况", ["序号", "项目名称", "实施地点", "预算（元）", "实际支出（元）", "实施单位", "完成时间", "状态"],
              rows, "cllrrlcc"),
            P("下一年度项目每年10月开始征集，欢迎通过网格员或意见箱提出建议。"),
        ],
        today - dt.timedelta(days=15), today + dt.timedelta(days=45), sort=0,
    )


def _grids(today: dt.date) -> Disclosure:
    return disclosure(
        "disclosure-grids", f"{COMMUNITY}网格员及联系方式", "居务公开", str(today.year), RESIDENTS_COMMITTEE,
        [
            P("社区划分为5个网格，每个网格配备专职网格员和网格党支部书记。遇到困难、矛盾纠纷、安全隐患，请联系所在网格员。"),
            T("", ["网格", "网格员", "联系电话", "负责区域", "网格党支部书记"], [list(g) for g in GRIDS], "lllll"),
            P("网格员工作时间为周一至周五8:30-17:30；夜间和节假日紧急情况请拨打社区值班电话0571-86512300。"),
        ],
        today - dt.timedelta(days=30), today + dt.timedelta(days=180), sort=10,
    )


def _council(today: dt.date) -> Disclosure:
    meeting = today - dt.timedelta(days=5)
    return disclosure(
        "disclosure-council", "关于幸福里二区增设电动自行车集中充电设施的议事结果公示", "居务公开",
        period_month(meeting.year, meeting.month), RESIDENTS_COMMITTEE,
        [
            P(f"{cn_date(meeting)}，{COMMUNITY}召开居民议事会，就幸福里二区增设电动自行车集中充电设施进行协商表决。"),
            L("应到居民代表35名，实到31名", "同意28票，反对1票，弃权2票", "表决通过，同意率90.3%"),
            H("议定事项"),
            L("在二区7幢、12幢北侧空地各建一处集中充电棚，共60个充电口", "建设资金由民生微实事项目列支，预算约5.6万元",
              "收费标准为每度电0.8元，不另收停车费", "施工期间保持消防通道畅通，由物业负责夜间巡查", ordered=True),
            P("公示期内居民如有不同意见，请联系第二网格员俞建华（0571-86512312）。"),
        ],
        today - dt.timedelta(days=3), today + dt.timedelta(days=11), sort=20,
    )


def _sorting(today: dt.date) -> Disclosure:
    y, m = month_before(today, 1)
    rows = [["幸福里一区", "96.2%", "红榜", "3幢、7幢连续三个月全部准确投放"],
            ["幸福里二区", "93.5%", "—", ""],
            ["幸福里三区", "88.1%", "黑榜", "厨余垃圾混投较多，已入户宣传"],
            ["和丰新村", "94.7%", "红榜", "志愿者定时督导效果好"]]
    return disclosure(
        "disclosure-waste-sorting", f"{y}年{m}月垃圾分类红黑榜", "居务公开", period_month(y, m), RESIDENTS_COMMITTEE,
        [
            P(f"{y}年{m}月，社区垃圾分类督导员和志愿者对各小区投放点进行了每日检查，结果如下。"),
            T("", ["小区", "准确投放率", "榜单", "说明"], rows, "lrcl"),
            P("感谢各位居民的配合！定时定点投放时间：早7:00-9:00，晚18:00-20:00。"),
        ],
        today - dt.timedelta(days=7), today + dt.timedelta(days=23), sort=30,
    )
