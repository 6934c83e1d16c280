"""A synthetic county catalog of realistic size for benchmarks and scale tests.

A county in the seeds (滕州) standardised 863 county, 1,898 town and 20,406 village
matters: towns and villages repeat the same services under their own region codes.
The generator reproduces that shape deterministically from a seed.
"""

from __future__ import annotations

import random

from .catalog import Catalog, MaterialSpec, Matter

_SUBJECTS = (
    "建筑工程施工",
    "食品生产",
    "食品经营",
    "药品零售",
    "医疗器械经营",
    "公共场所卫生",
    "道路运输经营",
    "出租汽车经营",
    "危险化学品经营",
    "烟花爆竹经营",
    "民办学校办学",
    "职业培训机构",
    "人力资源服务",
    "劳务派遣经营",
    "旅行社经营",
    "娱乐场所经营",
    "互联网上网服务",
    "出版物零售",
    "印刷经营",
    "广播电视节目制作",
    "城市道路占用",
    "城市道路挖掘",
    "户外广告设施",
    "城镇污水排入排水管网",
    "燃气经营",
    "供热经营",
    "排污",
    "取水",
    "河道管理范围内建设项目",
    "林木采伐",
    "动物防疫条件",
    "种子生产经营",
    "农药经营",
    "兽药经营",
    "生猪定点屠宰",
    "渔业捕捞",
    "水产苗种生产",
    "拖拉机驾驶",
    "农机驾驶证",
    "特种设备使用",
    "计量器具型式",
    "粮食收购",
    "再生资源回收",
    "二手车交易市场",
    "加油站经营",
    "成品油零售",
    "建设用地规划",
    "建设工程规划",
    "乡村建设规划",
    "临时建设工程规划",
    "施工图审查",
    "建筑业企业资质",
    "房地产开发企业资质",
    "物业服务",
    "商品房预售",
    "住房公积金提取",
    "住房公积金贷款",
    "不动产首次登记",
    "不动产转移登记",
    "不动产抵押登记",
    "不动产变更登记",
    "不动产注销登记",
    "不动产更正登记",
    "律师执业",
    "基层法律服务工作者执业",
    "法律援助",
    "人民调解",
    "医师执业注册",
    "护士执业注册",
    "母婴保健技术服务",
    "放射诊疗",
    "消毒产品生产",
    "生活饮用水供水单位卫生",
    "职业病诊断",
    "社会团体",
    "民办非企业单位",
    "基金会",
    "养老机构",
    "殡葬服务",
    "宗教活动场所",
    "外国人工作",
    "台湾居民来往大陆通行证",
    "出入境证件",
    "机动车登记",
    "驾驶证",
    "枪支持有",
    "保安服务",
    "典当业特种行业",
    "旅馆业特种行业",
    "公章刻制业特种行业",
    "大型群众性活动安全",
    "气象探测环境保护范围内建设",
    "防雷装置设计审核",
    "人防工程",
    "文物保护单位建设工程",
    "地质灾害治理",
    "采矿权",
    "探矿权",
    "临时用地",
    "土地复垦",
    "农用地转用",
    "耕地占补平衡",
    "宅基地使用权",
    "集体建设用地",
)
_ACTIONS = ("许可", "许可变更", "许可延续", "许可注销", "证补办", "备案", "审批", "登记", "核准")
_TOWN_SERVICES = (
    "最低生活保障申请",
    "特困人员救助供养申请",
    "临时救助申请",
    "残疾人证新办",
    "残疾人证换领",
    "居住证办理",
    "社会保障卡申领",
    "就业创业证申领",
    "乡村建设规划许可证核发",
    "户籍证明出具",
    "老年人优待证办理",
    "高龄津贴申请",
    "医疗救助申请",
    "城乡居民基本养老保险参保登记",
    "城乡居民基本医疗保险参保登记",
    "计划生育家庭特别扶助申请",
    "农村危房改造申请",
    "退役军人优待证申领",
    "优抚对象抚恤补助",
    "流动人口婚育证明",
    "生育登记",
    "独生子女父母奖励",
    "法律援助申请",
    "人民调解申请",
    "农业机械购置补贴申请",
    "耕地地力保护补贴",
    "土地承包经营权流转备案",
    "村民建房审批",
    "林木采伐许可",
    "殡葬补贴申请",
    "孤儿基本生活费申请",
    "困境儿童生活保障申请",
    "失业保险金申领",
    "失业登记",
    "就业登记",
    "灵活就业人员参保",
    "城镇职工养老保险关系转移",
    "工伤认定申请",
    "劳动仲裁申请",
    "职业技能鉴定报名",
    "创业担保贷款申请",
    "公益性岗位申请",
    "残疾人就业补贴",
    "困难残疾人生活补贴申请",
    "重度残疾人护理补贴申请",
    "无障碍改造申请",
    "尊老金发放",
    "养老服务补贴申请",
    "居家养老服务申请",
    "门诊慢特病认定",
    "医保报销",
    "异地就医备案",
    "新生儿参保登记",
    "出生医学证明补发",
    "预防接种证办理",
    "健康证办理",
    "食品小作坊登记",
    "小餐饮登记",
    "食品摊点备案",
    "个体工商户设立登记",
    "个体工商户变更登记",
    "个体工商户注销登记",
    "农民专业合作社设立登记",
    "家庭农场名录登记",
    "营业执照补领",
    "烟草专卖零售许可证核发",
    "酒类零售备案",
    "成品油零售备案",
    "广告设置审批",
    "临时占道审批",
    "挖掘道路审批",
    "户外活动备案",
    "消防安全检查",
    "安全生产许可咨询",
    "河道采砂许可",
    "取水许可",
    "动物诊疗许可",
    "动物防疫条件审查",
    "畜禽养殖场备案",
    "兽药经营许可",
    "农药经营许可",
    "种子经营备案",
    "渔船登记",
    "水产养殖证",
    "宅基地确权登记",
    "土地承包经营权证换发",
    "集体林权证登记",
    "征地补偿咨询",
    "信访事项受理",
    "矛盾纠纷调解",
    "婚姻家庭辅导",
    "居民事项证明盖章",
    "党组织关系转接",
)
_VILLAGE_SERVICES = _TOWN_SERVICES[:40] + (
    "城乡居民养老保险待遇资格认证",
    "村（社区）居民事项证明盖章",
    "村民代办服务",
    "帮办代办申请",
    "政策咨询",
    "党员组织关系转接",
    "志愿服务登记",
    "困难群众走访登记",
    "留守老人关爱登记",
    "留守儿童关爱登记",
    "农村土地纠纷调解",
    "村务公开查询",
    "合作医疗缴费",
    "养老保险缴费",
    "水电费代缴",
)
_KINDS = {"许可": "行政许可", "审批": "行政许可", "核准": "行政许可", "登记": "行政确认", "备案": "其他行政权力"}
_ALIASES = {
    "最低生活保障申请": ("办低保", "低保"),
    "个体工商户设立登记": ("开店", "办营业执照"),
    "小餐饮登记": ("开饭店", "开小吃店"),
    "残疾人证新办": ("办残疾证",),
    "城乡居民养老保险待遇资格认证": ("养老认证", "年审"),
}


def _materials(rng: random.Random) -> tuple[MaterialSpec, ...]:
    pool = (
        "申请书",
        "身份证",
        "户口簿",
        "营业执照",
        "场所使用证明",
        "平面图",
        "管理制度",
        "承诺书",
        "照片",
        "证明材料",
    )
    picked = rng.sample(pool, rng.randint(2, 6))
    return tuple(MaterialSpec(f"M{i + 1:02d}", name, tolerable=rng.random() < 0.2) for i, name in enumerate(picked))


def _matter(code: str, name: str, level: str, region: str, rng: random.Random) -> Matter:
    kind = next((v for k, v in _KINDS.items() if name.endswith(k) or k in name[-4:]), "公共服务")
    promised = rng.choice((0, 1, 3, 5, 10))
    return Matter(
        code=code,
        base_code=f"{rng.randrange(10**11, 10**12)}",
        name=name,
        kind=kind,
        department=rng.choice(("社会事务科", "市场准入科", "投资建设科", "民生事务科", "便民服务中心")),
        handling="immediate" if promised == 0 else "promised",
        legal_limit=20,
        legal_unit="WD",
        promised_limit=promised,
        promised_unit="WD",
        level=level,
        keywords=(),
        materials=_materials(rng),
        where=(level,),
        region_code=region,
        aliases=_ALIASES.get(name, ()),
        body="",
        visits=1,
        visit_reason="核验原件",
    )


def generate_county_catalog(
    seed: int = 0, county: int = 863, town: int = 1898, village: int = 20406, region: str = "370481000000"
) -> Catalog:
    """≈ 23,000 matters for one county, its towns and their villages (deterministic for a seed)."""
    rng = random.Random(seed)
    prefix = region[:6]
    names = [s + a for s in _SUBJECTS for a in _ACTIONS]
    rng.shuffle(names)
    matters = [
        _matter(
            f"{prefix}-C-{i:05d}", names[i % len(names)] + ("" if i < len(names) else f"（{i}）"), "county", region, rng
        )
        for i in range(county)
    ]
    towns = max(1, round(town / len(_TOWN_SERVICES)))
    for i in range(town):
        t = i % towns
        matters.append(
            _matter(
                f"{prefix}-T{t:03d}-{i:05d}",
                _TOWN_SERVICES[(i // towns) % len(_TOWN_SERVICES)],
                "town",
                f"{prefix}{t + 1:03d}000",
                rng,
            )
        )
    villages_per_town = max(1, round(village / len(_VILLAGE_SERVICES) / towns))
    for i in range(village):
        v = i % (villages_per_town * towns)
        t, vv = divmod(v, villages_per_town)
        matters.append(
            _matter(
                f"{prefix}-V{v:04d}-{i:05d}",
                _VILLAGE_SERVICES[(i // (villages_per_town * towns)) % len(_VILLAGE_SERVICES)],
                "village",
                f"{prefix}{t + 1:03d}{vv + 1:03d}",
                rng,
            )
        )
    return Catalog(f"synthetic-{seed}", "合成县级事项目录", region, tuple(matters))
