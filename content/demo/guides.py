"""办事指南 of the demo centre: the builder, plus 党务服务 and 便民服务 guides.

Each guide is written as a dict of Guide fields. Fields left out get the centre's defaults:
location and phone follow the ticket service (see common.BY_SERVICE), hours are the weekday
hours, the complaint phone is the 街道's, the fee is 不收费.
"""
from __future__ import annotations

import datetime as dt

from content.demo import guides_health, guides_social, guides_welfare
from content.demo.common import (
    CENTRE_PHONE,
    COMPLAINT_PHONE,
    HOURS_WEEKDAY,
    HOURS_WITH_SAT,
    ONLINE,
    BY_SERVICE,
    M,
    Q,
    fixed_stamp,
)
from content.schemas import Guide

PARTY = [
    dict(
        id="guide-party-transfer", title="党员组织关系转接", category="党务服务", ticket_service="C",
        summary="党员因工作调动、毕业、居住地变更等原因需要转移组织关系的，在社区党委办理转入或转出。"
                "全国党员管理信息系统内可网上转接的，不再开具纸质介绍信。",
        conditions=["中共正式党员或预备党员", "工作单位或经常居住地发生变化，需要转入或转出幸福里社区党委",
                    "转入的，本人户籍在本社区或在本社区居住满3个月"],
        materials=[M("本人居民身份证"),
                   M("党员组织关系介绍信", note="系统内网上转接的无需纸质介绍信，出示转接提示即可"),
                   M("党费缴纳情况证明", kind="copy", note="写明党费交至何年何月，原党组织盖章"),
                   M("预备党员须带入党志愿书等档案材料", note="由原党组织密封，本人不得拆封")],
        steps=["向原党组织提出转出申请", "原党组织审核后在全国党员管理信息系统发起转接，或开具纸质介绍信",
               "持材料到5号窗口报到，社区党委在系统中接收", "编入所在网格党支部，登记联系方式，参加组织生活"],
        time_limit="材料齐全当场办理；网上转接3个工作日内完成", visits=1,
        basis=["《中国共产党章程》", "《中国共产党党员教育管理工作条例》"],
        faq=[Q("纸质介绍信有效期多久？", "一般为3个月。请在有效期内到接收党组织报到，逾期请联系原党组织重新开具。"),
             Q("毕业后还没有找到工作，组织关系转到哪里？", "可转回户籍所在地或经常居住地社区党组织，"
               "也可按规定转到公共就业和人才服务机构党组织。")],
        online_url=ONLINE + "party-transfer", keywords=["组织关系", "转党", "介绍信", "党员报到"], updated=(2026, 3, 9),
    ),
    dict(
        id="guide-party-dues", title="党费缴纳", category="党务服务", ticket_service="C",
        summary="党员应按月交纳党费。在职党员以每月工资收入（税后）为基数按比例交纳，离退休党员以离退休费为基数；"
                "可到窗口现金或扫码交纳，也可由所在支部统一收缴。",
        conditions=["组织关系在幸福里社区党委的正式党员和预备党员", "因故不能按月交纳的，可补交或预交，一般不超过6个月"],
        materials=[M("本人居民身份证或党员身份信息", note="支部统一收缴的，由支部委员登记"),
                   M("收入变化情况说明", kind="copy", note="收入基数变化、需调整交纳标准时提供"),
                   M("困难党员少交或免交申请", note="经支部委员会研究、社区党委批准后执行")],
        steps=["核对本人党费交纳基数和比例", "到5号窗口或向所在支部交纳，可现金或扫码",
               "窗口开具党费收据并登记", "每半年在党员大会上公布党费收缴情况"],
        time_limit="即时办理", visits=1,
        basis=["《中国共产党章程》", "《关于中国共产党党费收缴、使用和管理的规定》"],
        faq=[Q("退休党员怎么算党费？", "以每月基本离退休费为基数：5000元以下（含）按0.5%交纳，5000元以上按1%交纳。"),
             Q("外出务工，党费可以一次交几个月吗？", "可以，经支部同意可预交，一般不超过6个月，回来后到支部说明。")],
        online_url=ONLINE + "party-dues", keywords=["党费", "交党费", "缴党费", "党费标准"], updated=(2026, 1, 12),
    ),
    dict(
        id="guide-party-application", title="入党申请", category="党务服务", ticket_service="C",
        summary="年满十八岁、承认党的纲领和章程的居民，可以向工作或居住地党组织提出入党申请。"
                "党组织在一个月内派人谈话，了解基本情况。",
        conditions=["年满十八周岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子",
                    "承认党的纲领和章程，愿意参加党的一个组织并在其中积极工作",
                    "无工作单位的，一般向居住地社区党组织提出"],
        materials=[M("入党申请书", note="本人手写，写明对党的认识、入党动机、个人经历"),
                   M("本人居民身份证", kind="original_and_copy"),
                   M("个人简历", note="从小学写起，注明起止年月和证明人")],
        steps=["向社区党委递交入党申请书", "党组织在一个月内派人谈话",
               "经推荐和考察，确定为入党积极分子，培养教育一年以上", "经支部讨论确定为发展对象，政治审查、集中培训",
               "支部大会讨论接收为预备党员，上级党委审批", "预备期一年，期满按期转正"],
        time_limit="申请后一个月内派人谈话", visits=1,
        basis=["《中国共产党章程》", "《中国共产党发展党员工作细则》"],
        faq=[Q("在单位和社区都可以申请吗？", "只向一个党组织申请。有工作单位的一般向单位党组织申请，"
               "灵活就业或退休人员可向居住地社区党组织申请。"),
             Q("申请书可以打印吗？", "入党申请书应本人手写，体现本人的真实意愿。")],
        keywords=["入党", "申请入党", "入党申请书", "积极分子"], updated=(2026, 2, 23),
    ),
    dict(
        id="guide-flow-party-member", title="流动党员登记", category="党务服务", ticket_service="C",
        summary="党员外出务工经商6个月以上、组织关系暂不转移的，应向流出地党组织报告，"
                "并到流入地社区党组织登记，参加当地组织生活。",
        conditions=["外出6个月以上、组织关系暂不转移的党员", "在幸福里社区居住或务工，原党组织在外地"],
        materials=[M("本人居民身份证"), M("原党组织出具的外出证明或流动党员活动证", note="可通过全国党员管理信息系统核实"),
                   M("近期党费交纳凭证", kind="copy")],
        steps=["向原党组织报告外出去向和联系方式", "到5号窗口登记流动党员信息",
               "编入流动党员党小组或网格党支部", "参加组织生活，定期向原党组织报告情况"],
        time_limit="当场办理", visits=1,
        basis=["《中国共产党党员教育管理工作条例》"],
        faq=[Q("流动党员党费交到哪里？", "原则上向原党组织交纳；经双方党组织同意，也可在流入地交纳并出具收据。"),
             Q("回老家后要注销吗？", "离开本社区时请到窗口说明，我们会在系统中更新登记。")],
        keywords=["流动党员", "外出党员", "党员登记"], updated=(2026, 3, 9),
    ),
    dict(
        id="guide-party-report-in", title="在职党员到社区报到", category="党务服务", ticket_service="C",
        summary="在职党员到居住地社区党组织报到，认领服务岗位和微心愿，参与社区治理和志愿服务（“双报到”）。",
        conditions=["居住在幸福里社区的在职党员", "组织关系在机关、企事业单位等其他党组织"],
        materials=[M("本人居民身份证"), M("单位党组织开具的报到联系函", note="可由单位党组织线上推送"),
                   M("近期一寸免冠照片", copies=1, note="办理志愿服务证用")],
        steps=["单位党组织出具报到函或线上推送名单", "到5号窗口或扫码登记居住地址和专长",
               "认领服务岗位（文明劝导、助老助残、矛盾调解等）", "每年参加社区服务不少于2次，服务情况反馈单位党组织"],
        time_limit="当场办理", visits=1,
        basis=["《中国共产党党员教育管理工作条例》", "《中国共产党支部工作条例（试行）》"],
        faq=[Q("报到后组织关系要转吗？", "不用转。组织关系仍在单位，社区只登记服务情况。"),
             Q("工作日没时间怎么办？", "社区周末和晚间也有服务岗位，可在志愿服务平台上选择。")],
        keywords=["双报到", "在职党员", "党员报到", "志愿服务"], updated=(2026, 4, 7),
    ),
]

CIVIC = [
    dict(
        id="guide-residence-registration", title="流动人口居住登记", category="便民服务", ticket_service="D",
        summary="离开户籍所在地到本社区居住的人员，应在到达后30日内办理居住登记，这是申领居住证的前提。",
        conditions=["非本市户籍，在幸福里社区居住", "租住房屋的，应有房屋出租人同意"],
        materials=[M("本人居民身份证"), M("租房合同或房屋产权证明", kind="original_and_copy"),
                   M("房东身份证复印件", kind="copy", note="租住的提供"),
                   M("单位出具的居住证明", note="住单位宿舍的提供")],
        steps=["到6号窗口或扫码填写居住登记信息", "网格员核实居住情况", "窗口录入系统，短信告知登记结果"],
        hours=HOURS_WITH_SAT, time_limit="当场办理；需上门核实的3个工作日内", visits=1,
        basis=["《居住证暂行条例》"],
        faq=[Q("房东不在本地怎么办？", "可由房东委托的中介或亲属提供房东身份证复印件和委托书。"),
             Q("搬家了要重新登记吗？", "在本市内变更居住地址的，应在30日内办理变更登记。")],
        online_url=ONLINE + "residence-registration", keywords=["居住登记", "暂住", "租房登记", "流动人口"], updated=(2026, 5, 6),
    ),
    dict(
        id="guide-residence-permit", title="居住证办理", category="便民服务", ticket_service="D",
        summary="居住登记满半年，有合法稳定就业、住所或连续就读之一的，可申领居住证，"
                "享受子女入学、基本公共服务等待遇。社区受理，派出所制证。",
        conditions=["在本市办理居住登记满6个月", "有合法稳定就业、合法稳定住所或连续就读之一"],
        materials=[M("本人居民身份证", kind="original_and_copy"),
                   M("居住证明", note="租房合同、不动产权证书或单位宿舍证明"),
                   M("就业或就读证明", note="劳动合同、营业执照或学校在读证明，任选其一"),
                   M("近期白底免冠证件照", copies=2, note="也可现场采集")],
        steps=["到6号窗口提交材料并采集照片", "窗口核对后报派出所审核", "派出所制证，约15个工作日",
               "凭回执到6号窗口领取，或选择邮寄"],
        hours=HOURS_WITH_SAT, time_limit="受理后15个工作日", visits=1, fee="首次申领不收费；补领、换领工本费20元",
        basis=["《居住证暂行条例》（国务院令第663号）"],
        faq=[Q("居住证要每年签注吗？", "要。居住证每年签注一次，可在期满前30日内到窗口或线上办理。"),
             Q("孩子可以办吗？", "未满16周岁的可由监护人代为申领。")],
        online_url=ONLINE + "residence-permit", keywords=["居住证", "暂住证", "签注", "外地户口"], updated=(2026, 5, 6),
    ),
    dict(
        id="guide-residence-proof", title="出具居住证明", category="便民服务", ticket_service="D",
        summary="能通过数据共享核验的，不再要求居民提供证明；确需证明本人在本社区实际居住的，"
                "社区经核实后出具居住情况证明。",
        conditions=["在幸福里社区实际居住", "办理事项的经办单位明确要求社区出具，且无法通过数据共享核验"],
        materials=[M("本人居民身份证"), M("居住地房屋产权证明或租房合同", kind="copy"),
                   M("经办单位要求出具证明的书面说明", note="写明用途，没有的请先向经办单位确认")],
        steps=["到6号窗口说明用途、提交材料", "网格员核实实际居住情况", "社区负责人审核后出具证明并盖章"],
        hours=HOURS_WITH_SAT, time_limit="可当场核实的当场出具；需上门核实的2个工作日内", visits=1,
        basis=["《国务院办公厅关于做好证明事项清理工作的通知》（国办发〔2018〕47号）"],
        faq=[Q("可以开无犯罪记录证明、亲属关系证明吗？", "不可以。这类证明不属于社区出具范围，请到派出所或通过政务服务网申请。"),
             Q("亲友可以代办吗？", "可以，代办人带本人和代办人身份证，并提供委托书。")],
        keywords=["居住证明", "开证明", "证明开具", "住址证明"], updated=(2026, 2, 2),
    ),
    dict(
        id="guide-volunteer", title="志愿者注册", category="便民服务", ticket_service=None,
        location="一楼志愿者服务站", phone="0571-86512306",
        summary="年满14周岁的居民可注册成为志愿者，参加助老、文明劝导、垃圾分类督导、应急服务等活动，"
                "服务时长记录在全国志愿服务信息系统。",
        conditions=["年满14周岁，未满18周岁的须监护人同意", "身体健康，愿意利用业余时间参加志愿服务"],
        materials=[M("本人居民身份证"), M("监护人同意书", note="未成年人提供"),
                   M("专业资格证书", kind="copy", note="医护、法律、心理等专业志愿者提供")],
        steps=["扫码或在志愿者服务站登记", "选择服务队和可服务时段", "参加岗前培训", "认领活动，服务后签到记录时长"],
        hours="周一至周日 9:00-20:30", time_limit="当场注册", visits=0,
        basis=["《志愿服务条例》"],
        faq=[Q("服务时长有什么用？", "时长可在“时间银行”兑换服务或积分礼品，也可作为评选优秀志愿者的依据。"),
             Q("只有周末有空可以吗？", "可以，周末的助老陪伴、文明劝导和垃圾分类督导岗位最多。")],
        online_url=ONLINE + "volunteer", keywords=["志愿者", "义工", "志愿服务", "时间银行"], updated=(2026, 3, 2),
    ),
]


def all_guide_specs() -> list[dict]:
    return PARTY + CIVIC + guides_welfare.GUIDES + guides_social.GUIDES + guides_health.GUIDES


def build_guides(today: dt.date) -> list[Guide]:
    """Every demo guide as a Guide, with defaults filled in; `sort` keeps the order above
    within each category."""
    guides: list[Guide] = []
    per_category: dict[str, int] = {}
    for spec in all_guide_specs():
        spec = dict(spec)
        service = spec.get("ticket_service")
        phone, location = BY_SERVICE.get(service, (CENTRE_PHONE, ""))
        spec.setdefault("phone", phone)
        spec.setdefault("location", location)
        spec.setdefault("hours", HOURS_WEEKDAY)
        spec.setdefault("complaint_phone", COMPLAINT_PHONE)
        spec["updated_at"] = fixed_stamp(*spec.pop("updated", (2026, 1, 5)), today)
        order = per_category.get(spec["category"], 0)
        per_category[spec["category"]] = order + 1
        spec["sort"] = order * 10
        guides.append(Guide(**spec))
    return guides
