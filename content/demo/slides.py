"""宣传轮播 of the demo centre: portrait 1080x1920 slides drawn with Pillow.

Most run all day; the family-doctor slide runs on weekday mornings only (when the doctor is in),
the children's slide on weekends only (when 儿童之家 has its weekend programme).
"""
from __future__ import annotations

import datetime as dt

from content.demo import images
from content.demo.common import CENTRE_NAME, CENTRE_PHONE, fixed_stamp
from content.schemas import Slide

ALL_DAYS = [1, 2, 3, 4, 5, 6, 7]

SLIDES = [
    dict(id="slide-party", title="党建引领 幸福同行", headline=["党建引领", "幸福同行"],
         subtitle="红色阵地家门口，党员服务零距离",
         points=["党员组织关系转接", "党费缴纳 · 入党申请", "在职党员“双报到”"],
         top=(200, 32, 38), bottom=(128, 14, 20), accent=(255, 196, 61), motif="star", duration_s=10),
    dict(id="slide-one-window", title="一窗受理 一次办好", headline=["一窗受理", "一次办好"],
         subtitle="三十多项事项家门口办理，取号即办",
         points=["综合受理　1号、2号窗口", "社保医保　3号、4号窗口", "党员服务　5号窗口", "便民服务　6号窗口"],
         top=(30, 110, 200), bottom=(16, 58, 128), accent=(255, 170, 40), motif="house", duration_s=10),
    dict(id="slide-family-doctor", title="家庭医生 上午坐诊", headline=["家庭医生", "上午坐诊"],
         subtitle="工作日 8:00-11:30 · 二楼健康小屋",
         points=["免费测血压、测血糖", "慢病随访、长处方", "家庭医生签约"],
         top=(18, 150, 136), bottom=(10, 90, 96), accent=(255, 120, 90), motif="cross", duration_s=8,
         days=[1, 2, 3, 4, 5], time_from=dt.time(8, 0), time_to=dt.time(12, 0)),
    dict(id="slide-weekend-kids", title="周末亲子时光", headline=["周末", "亲子时光"],
         subtitle="儿童之家周六、周日全天开放",
         points=["绘本共读　9:30", "手工课堂　14:30", "亲子运动会　每月最后一个周日"],
         top=(255, 150, 50), bottom=(230, 84, 60), accent=(255, 214, 0), motif="sun", duration_s=8,
         days=[6, 7]),
    dict(id="slide-waste-sorting", title="垃圾分类 从我做起", headline=["垃圾分类", "从我做起"],
         subtitle="定时定点投放\n早7:00-9:00　晚18:00-20:00",
         points=["厨余垃圾　沥干水分", "可回收物　压扁捆扎", "有害垃圾　单独投放"],
         top=(70, 160, 80), bottom=(28, 100, 56), accent=(124, 196, 64), motif="leaf", duration_s=8),
    dict(id="slide-anti-fraud", title="守好养老钱袋子", headline=["守好", "养老钱袋子"],
         subtitle="陌生来电不轻信，转账汇款多核实",
         points=["反诈专线　96110", "报警电话　110", "拿不准，问网格员"],
         top=(92, 64, 180), bottom=(44, 30, 110), accent=(255, 190, 70), motif="shield", duration_s=8),
    dict(id="slide-volunteer", title="志愿服务 有你有我", headline=["志愿服务", "有你有我"],
         subtitle="到一楼志愿者服务站报名\n服务时长存入“时间银行”",
         points=["周末助老陪伴", "文明劝导", "垃圾分类督导"],
         top=(230, 80, 110), bottom=(150, 36, 80), accent=(255, 220, 120), motif="heart", duration_s=8),
]


def build_slides(writer, today: dt.date) -> list[Slide]:
    slides = []
    for order, spec in enumerate(SLIDES):
        png = images.slide_png(spec["headline"], spec["subtitle"], spec["points"], top=spec["top"],
                               bottom=spec["bottom"], accent=spec["accent"], motif=spec["motif"],
                               org=CENTRE_NAME, footer=f"咨询电话 {CENTRE_PHONE}　·　幸福里路88号")
        slides.append(Slide(
            id=spec["id"], title=spec["title"], image=writer.add_blob(png, "image/png"),
            duration_s=spec["duration_s"], days=spec.get("days", ALL_DAYS),
            time_from=spec.get("time_from"), time_to=spec.get("time_to"),
            updated_at=fixed_stamp(2026, 9, 1, today), sort=order * 10,
        ))
    return slides
