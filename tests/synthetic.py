"""Generated content for tests and benchmarks: many plausible guides, deterministic."""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from content.bundle import BundleWriter
from content.schemas import Centre, Guide, Material

WHO = ["城乡居民", "残疾人", "老年人", "退役军人", "困难家庭", "失业人员", "新就业形态劳动者", "流动人口", "独生子女家庭", "高校毕业生",
       "外来务工人员", "低收入人口", "重度残疾人", "农村居民", "城镇职工", "计划生育家庭", "留守儿童", "孤寡老人", "新市民", "个体工商户"]
WHAT = ["医疗保险", "养老保险", "最低生活保障", "临时救助", "住房保障", "就业援助", "创业补贴", "护理补贴", "高龄津贴", "优待证",
        "居住证明", "子女入学", "技能培训", "助餐服务", "康复服务", "法律援助", "心理咨询", "慈善救助", "公积金提取", "门诊慢病"]
ACT = ["申请", "登记", "变更", "注销", "续办", "补办", "查询", "认定", "资格审核", "待遇领取", "转移接续", "年度审验", "备案"]
CATS = ["党务服务", "民生保障", "社会保障", "便民服务", "就业创业", "卫生健康", "老龄服务", "残疾人服务"]


def synthetic_guides(n: int, seed: int = 7) -> list[Guide]:
    rng = random.Random(seed)
    combos = [(w, t, a) for w in WHO for t in WHAT for a in ACT]
    rng.shuffle(combos)
    out = []
    when = dt.datetime(2026, 10, 1, 9, 0)
    for i in range(n):
        w, t, a = combos[i % len(combos)]
        title = f"{w}{t}{a}" + (f"（{i // len(combos) + 1}）" if i >= len(combos) else "")
        out.append(Guide(
            id=f"g{i:05d}", title=title, updated_at=when, category=CATS[i % len(CATS)], sort=i % 10,
            summary=f"为{w}办理{t}{a}。", conditions=[f"本社区户籍或持有居住证的{w}"],
            materials=[Material(name="居民身份证", copies=1, original_or_copy="original_and_copy")],
            steps=["窗口受理", "审核", "办结"], location="一楼便民服务大厅", hours="工作日 9:00-17:00",
            time_limit="5个工作日", visits=1, basis=["《社会救助暂行办法》"], phone="0571-86000000",
            complaint_phone="12345", keywords=[t, a, w[:2] + t[:2]],
        ))
    return out


def synthetic_bundle(out: Path, n: int, seed: int = 7) -> dict:
    w = BundleWriter(centre="demo-centre")
    w.add_item(Centre(id="demo-centre", title="测试社区党群服务中心", name="测试社区党群服务中心", address="测试路1号",
                      updated_at=dt.datetime(2026, 10, 1)))
    for g in synthetic_guides(n, seed):
        w.add_item(g)
    return w.write_dir(out)
