"""The demo centre item: address, hours, 功能室, a two-week 值班表 and the floor plan."""
from __future__ import annotations

import datetime as dt

from content.demo import images
from content.demo.common import ADDRESS, CENTRE_NAME, CENTRE_PHONE, GRIDS, at
from content.schemas import Centre, Duty, Room

HOURS = [
    "办事窗口：周一至周五 8:30-12:00，13:30-17:00",
    "便民服务窗口：周六 9:00-12:00",
    "功能室：每日 9:00-20:30（各室开放时间见功能室介绍）",
    "法定节假日安排另行通知；值班电话 0571-86512300",
]

ROOMS = [
    Room(name="便民服务大厅", floor="一楼", hours="周一至周五 8:30-12:00，13:30-17:00；周六 9:00-12:00",
         description="设综合受理、社保医保、党员服务、便民服务6个窗口，配有取号机、自助服务终端、等候区和爱心座椅。"),
    Room(name="志愿者服务站", floor="一楼", hours="周一至周日 9:00-20:30",
         description="志愿者注册和活动报名；免费借用轮椅、雨伞、老花镜、充电宝等爱心物品。"),
    Room(name="新时代文明实践站", floor="一楼", hours="周一至周日 9:00-20:30",
         description="理论宣讲和文明实践活动，每周三晚19:00“百姓宣讲团”开讲。"),
    Room(name="人民调解室", floor="一楼", hours="周一至周五 8:30-17:00；周四下午律师驻点",
         description="邻里纠纷、家庭矛盾、物业纠纷调解；每周四14:00-17:00律师提供免费法律咨询。"),
    Room(name="幸福食堂", floor="一楼", hours="每日 11:00-12:30，16:30-17:30",
         description="老年助餐点，60周岁以上老人优惠就餐，独居、失能老人可预约送餐上门。"),
    Room(name="网格工作站", floor="一楼", hours="周一至周五 8:30-17:30",
         description="5个网格的网格员在此办公，受理居民诉求、矛盾纠纷和安全隐患报告。"),
    Room(name="党员活动室", floor="二楼", hours="周一至周五 8:30-17:00；每月15日主题党日",
         description="党员学习、党课和主题党日活动，可容纳40人，陈列社区党建历程展板。"),
    Room(name="多功能会议室", floor="二楼", hours="按预约开放（一楼服务台预约）",
         description="居民议事会、培训讲座、文艺排练，可容纳80人，配投影和音响。"),
    Room(name="健康小屋", floor="二楼", hours="周一至周五 8:00-11:30",
         description="自助测量血压、血糖、体重；社区卫生服务站家庭医生工作日上午坐诊。"),
    Room(name="心理咨询室", floor="二楼", hours="每周二、周四 14:00-17:00（可预约）",
         description="专业心理咨询师一对一倾听疏导，严格保护隐私。预约电话0571-86512307。"),
    Room(name="图书阅览室", floor="二楼", hours="周二至周日 9:00-20:30（周一闭馆整理）",
         description="藏书6000余册、报刊40种，设电子阅览区和老年大字书专架，可办理借阅。"),
    Room(name="老年活动室", floor="二楼", hours="每日 8:30-11:30，13:30-20:30",
         description="棋牌、书画、合唱排练；每周一上午有智能手机使用课堂。"),
    Room(name="儿童之家", floor="二楼", hours="周一至周五 15:30-18:30；周六、周日 9:00-17:00",
         description="绘本阅读、手工课堂、四点半课堂，12岁以下儿童须家长陪同或按时接送。"),
    Room(name="健身室", floor="二楼", hours="每日 9:00-21:00",
         description="跑步机、动感单车、乒乓球台，16周岁以上居民登记后免费使用。"),
]

# floor plan on a 100x100 grid per floor: (label, x, y, w, h, kind); the corridor is y 45..58;
# "\n" in a label is where it breaks when the room is too narrow for one line
FLOOR_1 = [
    ("便民服务大厅（1-6号窗口）", 0, 0, 55, 45, "service"), ("志愿者\n服务站", 55, 0, 20, 22, "service"),
    ("新时代文明\n实践站", 75, 0, 25, 22, "party"), ("人民\n调解室", 55, 22, 20, 23, "care"),
    ("楼梯", 75, 22, 12, 23, "facility"), ("电梯", 87, 22, 13, 23, "facility"),
    ("幸福食堂", 0, 58, 45, 42, "care"), ("卫生间", 45, 58, 15, 21, "facility"),
    ("母婴室", 45, 79, 15, 21, "facility"), ("网格工作站", 60, 58, 40, 42, "service"),
]
FLOOR_2 = [
    ("党员活动室", 0, 0, 28, 45, "party"), ("多功能会议室", 28, 0, 30, 45, "party"),
    ("健康小屋", 58, 0, 17, 45, "care"), ("心理咨询室", 75, 0, 25, 22, "care"),
    ("楼梯", 75, 22, 12, 23, "facility"), ("电梯", 87, 22, 13, 23, "facility"),
    ("图书阅览室", 0, 58, 26, 42, "culture"), ("老年活动室", 26, 58, 24, 42, "culture"),
    ("儿童之家", 50, 58, 22, 42, "culture"), ("健身室", 72, 58, 16, 42, "culture"), ("卫生间", 88, 58, 12, 42, "facility"),
]
LEGEND = [("service", "办事服务"), ("party", "党建·会议"), ("culture", "文体·阅读"),
          ("care", "健康·关爱"), ("facility", "公共设施")]

LEADERS = [("陈晓红", "0571-86512321"), ("王建国", "0571-86512322"), ("刘芳", "0571-86512323")]
SOCIAL_WORKERS = [("李婷", "0571-86512331"), ("张磊", "0571-86512332"), ("赵雪", "0571-86512333"),
                  ("钱文涛", "0571-86512334"), ("叶青", "0571-86512335")]


def week_start(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=today.weekday())


def duty_roster(today: dt.date, days: int = 14) -> list[Duty]:
    """Two weeks from the Monday of today's week. Weekdays: a leader, a social worker and a
    网格员; weekends: a leader and a social worker. The rota turns by calendar date, so a day
    has the same people whichever week the demo is built in."""
    duty = []
    for i in range(days):
        day = week_start(today) + dt.timedelta(days=i)
        n = day.toordinal()
        leader, worker = LEADERS[n % len(LEADERS)], SOCIAL_WORKERS[n % len(SOCIAL_WORKERS)]
        duty.append(Duty(date=day, name=leader[0], role="值班领导", phone=leader[1]))
        duty.append(Duty(date=day, name=worker[0], role="值班社工", phone=worker[1]))
        if day.weekday() < 5:
            grid = GRIDS[(n + 2) % len(GRIDS)]
            duty.append(Duty(date=day, name=grid[1], role="网格员", phone=grid[2]))
    return duty


def floor_plan_png() -> bytes:
    red, blue = (214, 40, 40), (24, 96, 200)
    return images.floor_plan_png(
        f"{CENTRE_NAME} 楼层示意图",
        [("一楼", FLOOR_1, [("正门入口", 2, 51, blue), ("您在这里", 38, 51, red)]),
         ("二楼", FLOOR_2, [("乘电梯或楼梯上楼", 60, 51, blue)])],
        LEGEND,
    )


def build_centre(writer, today: dt.date, centre_id: str) -> Centre:
    return Centre(
        id=centre_id, title=CENTRE_NAME, name=CENTRE_NAME, address=ADDRESS, hours=HOURS, phone=CENTRE_PHONE,
        rooms=ROOMS, duty=duty_roster(today), floor_plan=writer.add_blob(floor_plan_png(), "image/png"),
        updated_at=at(week_start(today), 8),
    )
