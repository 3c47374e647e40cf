"""通知公告 of the demo centre. Exactly one is urgent (a water cut tomorrow night), and it
expires once the water is back, so the demo shows a live urgent banner on any day it is built."""
from __future__ import annotations

import datetime as dt

from content.demo.common import COMMUNITY, CENTRE_NAME, H, L, P, at, cn_date, cn_md
from content.schemas import Notice


def build_notices(today: dt.date) -> list[Notice]:
    return [_water_cut(today), _insurance_deadline(today), _vaccines(today), _waste_sorting(today),
            _anti_fraud(today), _festival(today), _volunteers(today), _extended_hours(today)]


def _notice(id: str, title: str, blocks: list, published: dt.datetime, sort: int,
            expire: dt.datetime | None = None, level: str = "normal") -> Notice:
    return Notice(id=id, title=title, level=level, blocks=blocks, publish_at=published, expire_at=expire,
                  updated_at=published, sort=sort)


def _water_cut(today: dt.date) -> Notice:
    day = today + dt.timedelta(days=1)
    after = day + dt.timedelta(days=1)
    return _notice(
        "notice-water-cut", f"停水通知：{cn_md(day)}22:00至次日6:00幸福里一区、二区停水", [
            P(f"因幸福里路DN300供水主管道漏水需紧急抢修，丰乐水务将于{cn_date(day, weekday=True)}22:00至"
              f"{cn_md(after)}6:00暂停供水，请受影响的居民提前做好储水准备。"),
            H("停水范围"),
            L("幸福里一区1-12幢", "幸福里二区1-15幢", "幸福里商业街沿街商铺（1-46号）"),
            H("温馨提示"),
            L("请提前储备饮用水和生活用水，停水期间关闭家中水龙头，防止来水后跑水",
              "恢复供水初期水质可能浑浊，请先放水几分钟再使用",
              "独居老人、行动不便的居民如需送水，请联系网格员，志愿者将上门送水",
              f"停水期间党群服务中心一楼设临时取水点，{cn_md(day)}20:00起开放"),
            P("如遇抢修延期，将另行通知。供水服务热线：0571-86519600；社区值班电话：0571-86512300。"),
            P(f"{COMMUNITY}居民委员会　{cn_date(today - dt.timedelta(days=1))}"),
        ],
        at(today - dt.timedelta(days=1), 16), 0, expire=at(after, 9), level="urgent",
    )


def _insurance_deadline(today: dt.date) -> Notice:
    year = today.year + 1  # the 医保 year being paid for: collection runs Sept-Dec of the year before
    if today.month >= 9:
        first = (f"{year}年度城乡居民医保集中缴费正在进行中，缴费截止时间为{today.year}年12月31日。"
                 "请尚未缴费的居民抓紧缴纳，以免影响明年的医保待遇。")
    else:
        first = (f"{year}年度城乡居民医保集中缴费将于{today.year}年9月1日开始，至12月31日结束。"
                 "新生儿、新落户和新办居住证的居民可随时到窗口参保登记。")
    return _notice(
        "notice-medical-insurance", f"{year}年度城乡居民医保缴费提醒", [
            P(first),
            H("缴费渠道"),
            L("手机：税务APP、银行APP或政务服务网“城乡居民医保缴费”", "线下：合作银行网点柜台",
              "代办：党群服务中心一楼3号、4号窗口（请带本人身份证或社保卡）"),
            P("低保、特困、重度残疾人等由政府资助参保，个人缴费部分已代缴，无需另行缴费，可到窗口核实。"),
            P("咨询电话：0571-86512302（社保医保窗口）"),
        ],
        at(today - dt.timedelta(days=6)), 10,
    )


def _vaccines(today: dt.date) -> Notice:
    return _notice(
        "notice-vaccines", "辖区60周岁以上老人疫苗接种服务安排", [
            P(f"为保护老年人健康，{COMMUNITY}联合和丰街道社区卫生服务中心为60周岁以上老人提供疫苗接种服务。"),
            L("流感疫苗：每年9月起开始接种，按本市规定符合条件的老人免费", "23价肺炎球菌多糖疫苗：全年可接种",
              "带状疱疹疫苗：自愿自费，可预约"),
            H("预约方式"),
            P("请联系网格员或拨打0571-86513188预约。每周二上午社区组织集中前往，行动不便的老人可由志愿者陪同。"),
            P("接种当天请携带身份证和社保卡，空腹者请先进食；有发热、急性病者请暂缓接种。"),
        ],
        at(today - dt.timedelta(days=10)), 20,
    )


def _waste_sorting(today: dt.date) -> Notice:
    return _notice(
        "notice-waste-sorting", "关于调整垃圾分类定时定点投放时间的通知", [
            P("根据居民议事会意见，自本月1日起，各小区垃圾分类定时定点投放时间调整如下："),
            L("早上7:00-9:00", "晚上18:00-20:00（原为18:30-20:30）"),
            P("投放时间外，厨余垃圾请投放至各小区的24小时误时投放点（一区东门、二区7幢北侧、三区南门）。"),
            L("厨余垃圾请沥干水分、去除包装", "可回收物请压扁、捆扎", "有害垃圾（电池、灯管、过期药品）请投入红色专用桶",
              "大件垃圾、装修垃圾请预约物业统一清运"),
            P("感谢大家的理解和支持！"),
        ],
        at(today - dt.timedelta(days=4)), 30,
    )


def _anti_fraud(today: dt.date) -> Notice:
    return _notice(
        "notice-anti-fraud", "守好“钱袋子”：警惕以养老、保健品为名的诈骗", [
            P("近期，辖区有老人接到自称“社保局”“医保局”工作人员的电话，要求“核实医保卡异常”并转账。请大家提高警惕！"),
            H("常见骗局"),
            L("冒充社保、医保工作人员，称卡片异常、需要转账或提供验证码",
              "以“免费体检”“养老投资”“以房养老”为名，诱导购买高价保健品或理财产品",
              "冒充子女或孙辈，称出车祸、被拘留急需用钱"),
            H("牢记“三不一多”"),
            L("未知链接不点击", "陌生来电不轻信", "个人信息不透露", "转账汇款多核实"),
            P("遇到可疑情况请拨打全国反诈专线96110或报警电话110，也可到社区找网格员帮忙核实。"),
        ],
        at(today - dt.timedelta(days=15)), 40,
    )


def _festival(today: dt.date) -> Notice:
    deadline = today + dt.timedelta(days=14)
    return _notice(
        "notice-festival", f"{COMMUNITY}邻里文化节节目征集", [
            P("一年一度的邻里文化节又要和大家见面啦！现面向全体居民征集文艺节目和才艺展示。"),
            L("节目类型：合唱、舞蹈、戏曲、器乐、朗诵、小品等，时长不超过6分钟",
              "才艺展示：书法、绘画、手工、摄影作品，在一楼大厅展出",
              "亲子节目：欢迎儿童之家的小朋友和家长一起报名"),
            P(f"报名截止：{cn_date(deadline)}。报名地点：一楼志愿者服务站，或联系文体干事叶老师（0571-86512305）。"),
            P("彩排和演出时间另行通知。"),
        ],
        at(today - dt.timedelta(days=3)), 50, expire=at(deadline + dt.timedelta(days=1), 0),
    )


def _volunteers(today: dt.date) -> Notice:
    return _notice(
        "notice-volunteers", "招募“周末助老”志愿者", [
            P("社区有独居、高龄老人87位。为让老人们周末也有人陪伴，现招募“周末助老”志愿者。"),
            H("服务内容"),
            L("周六、周日上午陪老人聊天、读报，教使用智能手机", "协助老年食堂送餐上门", "陪同老人就医、取药"),
            H("报名条件"),
            L("年满18周岁，身体健康，有爱心和耐心", "每月至少服务2次，每次不少于2小时"),
            P("服务时长计入“时间银行”，可兑换服务或积分礼品。报名请到一楼志愿者服务站，或扫描服务站门口二维码。"),
        ],
        at(today - dt.timedelta(days=8)), 60,
    )


def _extended_hours(today: dt.date) -> Notice:
    return _notice(
        "notice-extended-hours", f"{CENTRE_NAME}推出周六便民服务", [
            P("为方便上班族办事，即日起党群服务中心在周六上午提供便民服务："),
            L("时间：每周六9:00-12:00（法定节假日除外）", "窗口：6号窗口（便民服务），可办理居住登记、居住证、"
              "老年人优待证、证明开具等事项", "其他事项可预约：提前一天拨打0571-86512300，工作人员按约定时间为您办理"),
            P("图书阅览室、老年活动室、健身室周六、周日照常开放。"),
        ],
        at(today - dt.timedelta(days=20)), 70,
    )
