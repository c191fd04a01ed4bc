"""A deterministic, realistic demo region for ``manage.py seed_demo``.

The builder is a list of steps (:data:`STEPS`) run in order on one :class:`DemoWorld`. Each step gets
its own ``random.Random`` seeded from the run's seed and the step's key, so a step added by a later
issue (sessions, attendance, inspections...) never changes what the earlier steps build. Steps keep
what they created on the world (``world.groups``, ``world.memberships``...) for the steps after them.

Everything depends only on the seed, the scale and the reference day ``today`` (default: the local
date). "Three years" are ``today``'s calendar year and the two before it: each step simulates the
full three calendar years and then drops whatever would lie after ``today``, so the random draws
never depend on the day of the run.

Rows are written with :func:`core.scoping.bulk_create_audited` (history rows included), a few
thousand at a time; ``OrgUnit.path`` is set here because bulk creation skips ``save()``.

To add a model: write ``def build_things(world, rng)`` (plan in memory, then one bulk write per
model), add ``Step("things", "things", build_things)`` to :data:`STEPS`, and put the model in
:data:`FLUSH_ORDER` before the models it points to.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.models import Role, User
from core.scoping import bulk_create_audited
from studygroups.models import Membership, OrgUnit, Person, StudyGroup

BATCH_SIZE = 2000
DEMO_USERNAMES = ("staff", "inspector", "secretary", "member", "auditor")

# --------------------------------------------------------------------------------------------------
# Scales (DOMAIN.md, "Scale to plan for"): groups = counties x (1 county group + departments +
# townships); ``members`` is the exact number of seats held on ``today`` across all groups.


@dataclass(frozen=True)
class Scale:
    name: str
    counties: int
    departments: int  # per county
    townships: int  # per county
    members: int  # seats held today, all groups together
    branches: tuple[int, int]  # villages/communities per township (min, max)

    @property
    def groups(self) -> int:
        return self.counties * (1 + self.departments + self.townships)


SCALES = {
    "demo": Scale("demo", counties=1, departments=19, townships=10, members=300, branches=(4, 8)),
    "county": Scale("county", counties=1, departments=125, townships=24, members=1800, branches=(6, 12)),
    "prefecture": Scale("prefecture", counties=10, departments=125, townships=24, members=18000, branches=(6, 12)),
}

# --------------------------------------------------------------------------------------------------
# Names. Fictional places built from common Han and Mongolian place-name parts; people from the
# common surnames (by frequency) and given-name characters, with Mongolian names in banners (旗).

REGIONS = "兴和盟 赛罕盟 巴润盟 呼和盟 锡宁盟".split()
# Distinct first characters: the first character is the county's short name in document numbers.
COUNTIES = "红山旗 青河县 白音旗 金川县 乌兰旗 查干旗 宝力旗 锡宁县 阿拉旗 长宁县 松山县 柳河县 平安县 兴隆旗 额尔敦旗 塔林旗 永和县".split()

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤常温康施文"
    "牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷申耿关兰焦俞左柳甘祝包宁尚舒柯纪梅童毕单季裴霍成苗谷盛曲翁骆路辛靳"
    "管柴鲍华祁房滕屈解牟艾尤时穆司卓古吉简车项连娄窦戚景党宫卜冷席卫米柏宗桂全佟臧闵边卞师栾隋商沙荣寇桑郎"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "慕容")
_SURNAME_WEIGHTS = [1.0 / (i + 6) for i in range(len(SURNAMES))]
_SURNAME_CUM = [sum(_SURNAME_WEIGHTS[: i + 1]) for i in range(len(SURNAMES))]

GIVEN_MALE = "伟强军磊勇杰涛斌波辉刚健明亮峰鹏华平东海林宇浩凯超俊飞鑫志国建文永新春学庆立振德成兵宏忠喜福瑞彬岩松柏森江山广利民生荣昌盛锋毅钢晨阳光龙"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英燕红梅琳洁婷雪慧莉萍颖琴云凤兰佳倩丹瑶晶欣月蕾薇悦璐琪妍婧岚芬素荷彩霖"
GIVEN_FIRST = "晓海春建文志永新立德长国宏金玉明子雅思树秋冬振"
MONGOL_MALE = (
    "巴特尔 乌力吉 额尔敦 阿拉坦 宝音 朝鲁 呼和 巴图 孟和 布和 那日苏 毕力格 巴雅尔 特木尔 苏和 敖其尔 格日勒图 吉日嘎拉 达来 宝力道"
).split()
MONGOL_FEMALE = (
    "其其格 萨仁 苏日娜 娜仁 图雅 高娃 斯琴 乌兰 格日勒 哈斯 敖登 萨日娜 乌云 塔娜 其木格 托娅 娜仁高娃 斯琴高娃 乌日娜 阿拉坦其其格"
).split()

HAN_PLACE_A = "东西南北红白青黄金银新太平长永兴安和宝富丰大双三五高沙石柳杨桃梨松榆花马牛鹿龙凤泉清明德福庆胜光华建民"
HAN_PLACE_B = (
    "河 山 岭 沟 台 营 甸 庄 屯 堡 井 湾 泉 林 峰 川 源 坪 店 口 桥 岗 城 集 滩 原 塔 甸子 窝铺 营子 家店 水泉".split()
)
MONGOL_PLACE_A = (
    "巴彦 乌兰 查干 哈拉 宝力 白音 阿拉坦 额尔敦 那仁 锡林 宝日 乌力吉 赛罕 浩尼 达拉 呼和 巴润 准 格日勒 图门".split()
)
MONGOL_PLACE_B = "塔拉 哈达 诺尔 浩特 郭勒 敖包 温都尔 宝力格 乌苏 陶勒盖 花 高勒 布拉格 锡力 呼都格 德勒 毛都 套海 乌拉 宝拉格".split()
REVOLUTIONARY_NAMES = (
    "红旗 前进 胜利 光明 团结 幸福 友谊 新华 建设 和平 民主 先锋 东风 向阳 永安 富民 兴旺 太平 丰收 新民 联合 新立 复兴 振兴"
).split()
COMMUNITY_NAMES = (
    "兴安 和平 建设 团结 光明 幸福 新华 民主 繁荣 振兴 育才 西城 东城 南苑 北苑 花园 滨河 站前 文化 康宁 锦绣 祥和 怡园 河西"
).split()

# --------------------------------------------------------------------------------------------------
# County units with a center group, most important first (a county at "demo" scale takes the first
# 19). Each row: (name in a banner 旗, name in a county 县 or None if the same, head's title, body,
# deputy head's title or None for "副" + head). "{n}" is the county's name; other names get it as a
# prefix. Body: "O" an organ of the party committee (group named without a body), "G" 党组,
# "C" 党委, "W" 党工委.
DEPARTMENTS: list[tuple[str, str | None, str, str, str | None]] = [
    ("{n}委宣传部", None, "部长", "O", "常务副部长"),
    ("{n}委组织部", None, "部长", "O", "常务副部长"),
    ("{n}委办公室", None, "主任", "O", None),
    ("{n}纪委监委", None, "纪委书记、监委主任", "O", "纪委副书记、监委副主任"),
    ("{n}委统战部", None, "部长", "O", "常务副部长"),
    ("{n}委政法委员会", None, "书记", "O", "常务副书记"),
    ("人民政府办公室", None, "主任", "G", None),
    ("教育局", None, "局长", "G", None),
    ("卫生健康委员会", None, "主任", "G", None),
    ("财政局", None, "局长", "G", None),
    ("自然资源局", None, "局长", "G", None),
    ("农牧局", "农业农村局", "局长", "G", None),
    ("文化旅游体育局", None, "局长", "G", None),
    ("民政局", None, "局长", "G", None),
    ("司法局", None, "局长", "G", None),
    ("发展和改革委员会", None, "主任", "G", None),
    ("公安局", None, "局长", "C", None),
    ("人力资源和社会保障局", None, "局长", "G", None),
    ("融媒体中心", None, "主任", "G", None),
    ("人大常委会", None, "主任", "G", None),
    ("政协", None, "主席", "G", None),
    ("人民法院", None, "院长", "G", None),
    ("人民检察院", None, "检察长", "G", None),
    ("{n}委党校", None, "常务副校长", "O", "副校长"),
    ("{n}委机构编制委员会办公室", None, "主任", "O", None),
    ("{n}委网络安全和信息化委员会办公室", None, "主任", "O", None),
    ("{n}委老干部局", None, "局长", "O", None),
    ("{n}直属机关工作委员会", None, "书记", "O", "副书记"),
    ("{n}委巡察工作领导小组办公室", None, "主任", "O", None),
    ("{n}委政策研究室", None, "主任", "O", None),
    ("工业和信息化局", None, "局长", "G", None),
    ("科学技术局", None, "局长", "G", None),
    ("住房和城乡建设局", None, "局长", "G", None),
    ("交通运输局", None, "局长", "G", None),
    ("水利局", None, "局长", "G", None),
    ("林业和草原局", None, "局长", "G", None),
    ("商务局", None, "局长", "G", None),
    ("退役军人事务局", None, "局长", "G", None),
    ("应急管理局", None, "局长", "G", None),
    ("审计局", None, "局长", "G", None),
    ("市场监督管理局", None, "局长", "G", None),
    ("统计局", None, "局长", "G", None),
    ("医疗保障局", None, "局长", "G", None),
    ("信访局", None, "局长", "G", None),
    ("乡村振兴局", None, "局长", "G", None),
    ("民族事务委员会", "民族宗教事务局", "主任", "G", None),
    ("能源局", None, "局长", "G", None),
    ("政务服务局", None, "局长", "G", None),
    ("城市管理综合执法局", None, "局长", "G", None),
    ("生态环境分局", None, "局长", "G", None),
    ("税务局", None, "局长", "C", None),
    ("国有资产事务服务中心", None, "主任", "G", None),
    ("机关事务服务中心", None, "主任", "G", None),
    ("总工会", None, "主席", "G", None),
    ("共青团{n}委员会", None, "书记", "G", None),
    ("妇女联合会", None, "主席", "G", None),
    ("科学技术协会", None, "主席", "G", None),
    ("文学艺术界联合会", None, "主席", "G", None),
    ("残疾人联合会", None, "理事长", "G", None),
    ("工商业联合会", None, "主席", "G", None),
    ("红十字会", None, "常务副会长", "G", "副会长"),
    ("人民医院", None, "院长", "C", None),
    ("蒙医医院", "中医医院", "院长", "C", None),
    ("妇幼保健计划生育服务中心", None, "主任", "G", None),
    ("疾病预防控制中心", None, "主任", "G", None),
    ("第一中学", None, "校长", "C", None),
    ("第二中学", None, "校长", "C", None),
    ("蒙古族中学", "第三中学", "校长", "C", None),
    ("职业教育中心", None, "校长", "C", None),
    ("实验小学", None, "校长", "C", None),
    ("第一小学", None, "校长", "C", None),
    ("第二小学", None, "校长", "C", None),
    ("蒙古族小学", "第三小学", "校长", "C", None),
    ("第一幼儿园", None, "园长", "G", None),
    ("教育事业发展中心", None, "主任", "G", None),
    ("档案史志馆", None, "馆长", "G", None),
    ("图书馆", None, "馆长", "G", None),
    ("文化馆", None, "馆长", "G", None),
    ("博物馆", None, "馆长", "G", None),
    ("乌兰牧骑", "文工团", "队长", "G", None),
    ("农牧业技术推广中心", "农业技术推广中心", "主任", "G", None),
    ("畜牧工作站", "畜牧兽医站", "站长", "G", None),
    ("草原工作站", "植保植检站", "站长", "G", None),
    ("动物疫病预防控制中心", None, "主任", "G", None),
    ("水利事业发展中心", None, "主任", "G", None),
    ("林业工作站", None, "站长", "G", None),
    ("国有林场", None, "场长", "G", None),
    ("自然资源综合行政执法大队", None, "大队长", "G", None),
    ("不动产登记中心", None, "主任", "G", None),
    ("住房公积金管理中心", None, "主任", "G", None),
    ("社会保险事业服务中心", None, "主任", "G", None),
    ("就业服务中心", None, "主任", "G", None),
    ("医疗保险服务中心", None, "主任", "G", None),
    ("公路养护中心", None, "主任", "G", None),
    ("交通运输综合行政执法大队", None, "大队长", "G", None),
    ("市场监管综合行政执法大队", None, "大队长", "G", None),
    ("农牧业综合行政执法大队", "农业综合行政执法大队", "大队长", "G", None),
    ("文化市场综合行政执法大队", None, "大队长", "G", None),
    ("卫生健康综合行政执法大队", None, "大队长", "G", None),
    ("城市建设服务中心", None, "主任", "G", None),
    ("园林绿化服务中心", None, "主任", "G", None),
    ("环境卫生服务中心", None, "主任", "G", None),
    ("供热服务中心", None, "主任", "G", None),
    ("经济技术开发区", None, "党工委书记", "W", "党工委副书记、管委会主任"),
    ("工业园区", None, "党工委书记", "W", "党工委副书记、管委会主任"),
    ("城市投资发展集团有限公司", None, "董事长", "C", "总经理"),
    ("农村商业银行", None, "董事长", "C", "行长"),
    ("供电公司", None, "经理", "C", None),
    ("邮政分公司", None, "经理", "C", None),
    ("气象局", None, "局长", "G", None),
    ("烟草专卖局", None, "局长", "G", None),
    ("消防救援大队", None, "教导员", "C", "大队长"),
    ("数据资源服务中心", None, "主任", "G", None),
    ("招商服务中心", None, "主任", "G", None),
    ("投资促进中心", None, "主任", "G", None),
    ("融资担保有限公司", None, "董事长", "C", "总经理"),
    ("粮食和物资储备服务中心", None, "主任", "G", None),
    ("地震局", None, "局长", "G", None),
    ("人民防空办公室", None, "主任", "G", None),
    ("科技馆", None, "馆长", "G", None),
    ("青少年活动中心", None, "主任", "G", None),
    ("老年大学", None, "校长", "G", None),
    ("社会福利院", None, "院长", "G", None),
    ("救助管理站", None, "站长", "G", None),
    ("殡仪服务中心", None, "主任", "G", None),
    ("退役军人服务中心", None, "主任", "G", None),
    ("人民来访接待中心", None, "主任", "G", None),
    ("12345政务服务便民热线中心", None, "主任", "G", None),
    ("会计核算中心", None, "主任", "G", None),
]

SECTIONS = "综合 政策法规 计划财务 人事 业务指导 督查 调研 宣传教育 行政审批 信息".split()

_BODY = {
    "O": (OrgUnit.PartyBody.COMMITTEE, ""),
    "G": (OrgUnit.PartyBody.GROUP, "党组"),
    "C": (OrgUnit.PartyBody.COMMITTEE, "党委"),
    "W": (OrgUnit.PartyBody.COMMITTEE, "党工委"),
}
_TOWNSHIP_HEAD = {"镇": "镇长", "乡": "乡长", "苏木": "苏木达"}

# Chance per seat and year that the holder leaves (transfer, retirement, promotion elsewhere).
TURNOVER = {
    Membership.Role.LEADER: 0.12,
    Membership.Role.DEPUTY: 0.15,
    Membership.Role.MEMBER: 0.13,
    Membership.Role.SECRETARY: 0.18,
}
# When a leader leaves, the chance that the first deputy takes over (and the deputy seat is refilled).
PROMOTION = 0.4
FEMALE_SHARE = {
    Membership.Role.LEADER: 0.12,
    Membership.Role.DEPUTY: 0.22,
    Membership.Role.MEMBER: 0.35,
    Membership.Role.SECRETARY: 0.55,
}
# Group sizes (seats) by kind of unit: initial draw (lo, hi) and the bounds used to hit the total.
GROUP_SIZE = {"county": ((13, 16), (12, 18)), "township": ((9, 14), (7, 16)), "department": ((7, 13), (6, 15))}


# --------------------------------------------------------------------------------------------------
# The world the steps fill.


@dataclass
class DemoCounty:
    unit: OrgUnit
    q: str  # "旗" or "县"
    departments: list[OrgUnit] = field(default_factory=list)
    townships: list[OrgUnit] = field(default_factory=list)
    branches: list[OrgUnit] = field(default_factory=list)
    groups: list[StudyGroup] = field(default_factory=list)

    @property
    def propaganda(self) -> OrgUnit:
        return self.departments[0]


@dataclass
class GroupPlan:
    """What the membership step needs to know about one group."""

    group: StudyGroup
    county: DemoCounty
    category: str  # "county", "department" or "township"
    leader_title: str
    deputy_titles: list[str]
    member_titles: list[str]  # drawn in order, then the last ones repeat
    secretary_title: str
    secretary_unit: OrgUnit


@dataclass
class DemoWorld:
    scale: Scale
    seed: int
    today: datetime.date
    region: OrgUnit | None = None
    counties: list[DemoCounty] = field(default_factory=list)
    units: list[OrgUnit] = field(default_factory=list)
    groups: list[StudyGroup] = field(default_factory=list)
    plans: list[GroupPlan] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    accounts: dict[str, User] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def years(self) -> tuple[int, int, int]:
        return (self.today.year - 2, self.today.year - 1, self.today.year)

    @property
    def start(self) -> datetime.date:
        """First day of the three years."""
        return datetime.date(self.today.year - 2, 1, 1)

    def rng(self, key: str) -> random.Random:
        # A string seed is hashed with SHA-512: stable across runs and Python processes.
        return random.Random(f"seed_demo:{self.seed}:{key}")


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    run: Callable[[DemoWorld, random.Random], None]


# --------------------------------------------------------------------------------------------------
# Name helpers.


def person_name(rng: random.Random, gender: str, used: set[str], mongol_share: float = 0.0) -> tuple[str, str]:
    """A name not in ``used`` (which it extends), as (family name, given name); Mongolian names have no family name."""
    female = gender == Person.Gender.FEMALE
    for _ in range(200):
        if rng.random() < mongol_share:
            surname, given = "", rng.choice(MONGOL_FEMALE if female else MONGOL_MALE)
        else:
            if rng.random() < 0.01:
                surname = rng.choice(COMPOUND_SURNAMES)
            else:
                surname = rng.choices(SURNAMES, cum_weights=_SURNAME_CUM)[0]
            pool = GIVEN_FEMALE if female else GIVEN_MALE
            if rng.random() < 0.28:
                given = rng.choice(pool)
            else:
                given = rng.choice(GIVEN_FIRST + pool) + rng.choice(pool)
        if surname + given not in used:
            used.add(surname + given)
            return surname, given
    raise RuntimeError("ran out of names")  # pragma: no cover - 200 misses in a row cannot happen at these sizes


def split_name(name: str) -> tuple[str, str]:
    """(family name, given name) of a generated name, for the account's last_name/first_name."""
    if name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    if name in MONGOL_MALE or name in MONGOL_FEMALE:
        return "", name
    return name[:1], name[1:]


def _unique(rng: random.Random, make: Callable[[], str], used: set[str]) -> str:
    for _ in range(500):
        name = make()
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("ran out of place names")  # pragma: no cover


def _han_place(rng: random.Random) -> str:
    return rng.choice(HAN_PLACE_A) + rng.choice(HAN_PLACE_B)


def _mongol_place(rng: random.Random) -> str:
    return rng.choice(MONGOL_PLACE_A) + rng.choice(MONGOL_PLACE_B)


def _random_day(rng: random.Random, year: int) -> datetime.date:
    first = datetime.date(year, 1, 1)
    return first + datetime.timedelta(days=rng.randrange((datetime.date(year + 1, 1, 1) - first).days))


# --------------------------------------------------------------------------------------------------
# Steps.


def build_org_tree(world: DemoWorld, rng: random.Random) -> None:
    """Region > counties > departments and townships > village (嘎查/村) and community (社区) branches."""
    scale = world.scale
    name = rng.choice(REGIONS)
    region = OrgUnit(kind=OrgUnit.Kind.REGION, name=name, short_name=name[0], party_body=OrgUnit.PartyBody.COMMITTEE)
    region.path = "/"
    _create_units([region])
    world.region = region

    county_names = rng.sample(COUNTIES, scale.counties)
    counties = []
    for i, cname in enumerate(county_names):
        unit = OrgUnit(
            parent=region,
            kind=OrgUnit.Kind.COUNTY,
            name=cname,
            short_name=cname[0],
            party_body=OrgUnit.PartyBody.COMMITTEE,
            sort_order=i + 1,
            path=region.descendant_prefix,
        )
        counties.append(DemoCounty(unit=unit, q=cname[-1]))
    _create_units([c.unit for c in counties])

    # Township names are unique across the region (the county seat towns take the county's name).
    used_townships = {c.unit.name[:-1] + "镇" for c in counties}
    units = []
    for county in counties:
        cname, banner = county.unit.name, county.q == "旗"
        for i, (banner_name, county_name, _head, body, _deputy) in enumerate(DEPARTMENTS[: scale.departments]):
            template = banner_name if banner or county_name is None else county_name
            dname = template.format(n=cname) if "{n}" in template else cname + template
            party_body = _BODY[body][0]
            county.departments.append(
                OrgUnit(
                    parent=county.unit,
                    kind=OrgUnit.Kind.DEPARTMENT,
                    name=dname,
                    party_body=party_body,
                    sort_order=i + 1,
                )
            )
        for i in range(scale.townships):
            if i == 0:
                tname = cname[:-1] + "镇"
            else:
                if banner:
                    kind = rng.choices(["镇", "苏木", "乡"], weights=[40, 45, 15])[0]
                else:
                    kind = rng.choices(["镇", "乡"], weights=[55, 45])[0]
                mongol = kind == "苏木" or (banner and rng.random() < 0.3)
                tname = _unique(
                    rng, lambda k=kind, m=mongol: (_mongol_place(rng) if m else _han_place(rng)) + k, used_townships
                )
            county.townships.append(
                OrgUnit(
                    parent=county.unit,
                    kind=OrgUnit.Kind.TOWNSHIP,
                    name=tname,
                    party_body=OrgUnit.PartyBody.COMMITTEE,
                    sort_order=scale.departments + i + 1,
                )
            )
        for unit in county.departments + county.townships:
            unit.path = county.unit.descendant_prefix
        units += county.departments + county.townships
    _create_units(units)

    branches = []
    for county in counties:
        for town_index, town in enumerate(county.townships):
            used: set[str] = set()
            count = rng.randint(*scale.branches)
            seat = town_index == 0
            for i in range(count):
                if town.name.endswith("苏木"):
                    kind, suffix = (OrgUnit.Kind.VILLAGE, "嘎查")
                elif (seat and i < count // 2) or (not seat and i == 0 and town.name.endswith("镇")):
                    kind, suffix = (OrgUnit.Kind.COMMUNITY, "社区")
                elif county.q == "旗" and rng.random() < 0.35:
                    kind, suffix = (OrgUnit.Kind.VILLAGE, "嘎查")
                else:
                    kind, suffix = (OrgUnit.Kind.VILLAGE, "村")
                if suffix == "社区":
                    bname = _unique(rng, lambda: rng.choice(COMMUNITY_NAMES) + "社区", used)
                elif suffix == "嘎查":
                    bname = _unique(rng, lambda: _mongol_place(rng) + "嘎查", used)
                else:
                    bname = _unique(
                        rng,
                        lambda: (rng.choice(REVOLUTIONARY_NAMES) if rng.random() < 0.3 else _han_place(rng)) + "村",
                        used,
                    )
                branch = OrgUnit(
                    parent=town,
                    kind=kind,
                    name=bname,
                    party_body=OrgUnit.PartyBody.BRANCH,
                    sort_order=i + 1,
                    path=town.descendant_prefix,
                )
                county.branches.append(branch)
                branches.append(branch)
    _create_units(branches)

    world.counties = counties
    world.units = [region] + [c.unit for c in counties] + units + branches


def _create_units(units: list[OrgUnit]) -> None:
    # Paths are set by the caller from the already-saved parents (bulk creation skips save()).
    bulk_create_audited(OrgUnit, units, batch_size=BATCH_SIZE)


def build_study_groups(world: DemoWorld, rng: random.Random) -> None:
    """One group per county committee, department and township, with the titles its seats carry."""
    groups, plans = [], []
    for county in world.counties:
        q, cname = county.q, county.unit.name
        group = StudyGroup(unit=county.unit, name=f"{cname}委理论学习中心组")
        members = [
            f"{q}委常委、组织部部长",
            f"{q}委常委、宣传部部长",
            f"{q}委常委、纪委书记、监委主任",
            f"{q}委常委、政法委书记",
            f"{q}委常委、统战部部长",
            f"{q}委常委、常务副{q}长",
            f"{q}委常委、{q}委办公室主任",
            f"{q}委常委、副{q}长",
            f"{q}委常委、人武部政委",
            f"{q}人大常委会主任",
            f"{q}政协主席",
            f"{q}人大常委会党组副书记、副主任",
            f"{q}政协党组副书记、副主席",
            f"副{q}长",
        ]
        plans.append(
            GroupPlan(
                group=group,
                county=county,
                category="county",
                leader_title=f"{q}委书记",
                deputy_titles=[f"{q}委副书记、{q}长", f"{q}委副书记"],
                member_titles=members,
                secretary_title=rng.choice([f"{q}委宣传部副部长", f"{q}委宣传部理论教育科科长"]),
                secretary_unit=county.propaganda,
            )
        )
        for unit, row in zip(county.departments, DEPARTMENTS, strict=False):
            _banner_name, _county_name, head, body, deputy = row
            label = _BODY[body][1]
            group = StudyGroup(unit=unit, name=f"{unit.name}{label}理论学习中心组")
            vice = _vice(head, deputy, body)
            if body in ("O", "W"):
                leader_title, rank = head, "" if body == "O" else "党工委委员、"
            else:
                leader_title, rank = f"{label}书记、{head}", f"{label}{'成员' if body == 'G' else '委员'}、"
            deputy_title = deputy if body == "W" else f"{rank}{deputy or vice}"
            sections = rng.sample(SECTIONS, 5)
            members = [f"{rank}{vice}", f"{rank}{vice}"]
            if body == "G":
                members.append("党组成员、纪检监察组组长")
            members += ["办公室主任"] + [f"{s}科科长" for s in sections] + ["一级主任科员", "二级主任科员"]
            plans.append(
                GroupPlan(
                    group=group,
                    county=county,
                    category="department",
                    leader_title=leader_title,
                    deputy_titles=[deputy_title, deputy_title],
                    member_titles=members,
                    secretary_title=rng.choice(["办公室副主任", "办公室一级科员", "办公室四级主任科员", "综合科科员"]),
                    secretary_unit=unit,
                )
            )
        for unit in county.townships:
            kind = "苏木" if unit.name.endswith("苏木") else unit.name[-1]
            head = _TOWNSHIP_HEAD[kind]
            group = StudyGroup(unit=unit, name=f"{unit.name}党委理论学习中心组")
            members = [
                "党委委员、人大主席",
                "党委委员、纪委书记",
                "党委委员、组织委员",
                "党委委员、宣传委员",
                f"党委委员、副{head}",
                "党委委员、武装部部长",
                "党委委员、统战委员",
                f"副{head}",
                "人大副主席",
                f"副{head}",
                "党建办公室主任",
                "综合保障和技术推广中心主任",
            ]
            plans.append(
                GroupPlan(
                    group=group,
                    county=county,
                    category="township",
                    leader_title="党委书记",
                    deputy_titles=[f"党委副书记、{head}", "党委副书记"],
                    member_titles=members,
                    secretary_title=rng.choice(["党政综合办公室主任", "党建办公室副主任", "宣传干事"]),
                    secretary_unit=unit,
                )
            )
    groups = [plan.group for plan in plans]
    bulk_create_audited(StudyGroup, groups, batch_size=BATCH_SIZE)
    for plan in plans:
        plan.county.groups.append(plan.group)
    world.groups, world.plans = groups, plans


def _vice(head: str, deputy: str | None, body: str) -> str:
    """The title of the other deputy heads (the ones who are plain members of the group)."""
    if body == "W":
        return "管委会副主任"
    if deputy is None:
        return f"副{head}"
    if "、" in head or deputy.startswith("副"):
        return deputy  # 纪委副书记、监委副主任; 副校长 under a 常务副校长
    if "副" in deputy:
        return f"副{head}"  # 常务副部长 is one of the 副部长
    return f"副{deputy}"  # 总经理, 行长, 大队长


def _group_sizes(world: DemoWorld, rng: random.Random) -> list[int]:
    """Seats per group, drawn by kind of unit and then nudged so that they add up to the scale's total."""
    sizes = [rng.randint(*GROUP_SIZE[plan.category][0]) for plan in world.plans]
    diff = world.scale.members - sum(sizes)
    while diff:
        i = rng.randrange(len(sizes))
        lo, hi = GROUP_SIZE[world.plans[i].category][1]
        if diff > 0 and sizes[i] < hi:
            sizes[i] += 1
            diff -= 1
        elif diff < 0 and sizes[i] > lo:
            sizes[i] -= 1
            diff += 1
    return sizes


@dataclass
class _Seat:
    role: str
    title: str
    unit: OrgUnit
    held: list[Membership] = field(default_factory=list)  # in time order; the last one is open


@dataclass
class _Roster:
    """Everyone who held a seat in the groups simulated so far, in memory until written."""

    rng: random.Random
    people: list[Person] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    titles: dict[int, str] = field(default_factory=dict)  # id(membership) -> the person's title meanwhile
    used_names: dict[int, set[str]] = field(default_factory=dict)  # unit pk -> names taken

    def occupy(self, group: StudyGroup, seat: _Seat, day: datetime.date, person: Person | None = None, mongol=0.0):
        """``person`` (or a new one) takes ``seat`` from ``day`` on."""
        if person is None:
            female = self.rng.random() < FEMALE_SHARE[seat.role]
            gender = Person.Gender.FEMALE if female else Person.Gender.MALE
            surname, given = person_name(self.rng, gender, self.used_names.setdefault(seat.unit.pk, set()), mongol)
            person = Person(unit=seat.unit, name=surname + given, gender=gender, title=seat.title)
            self.people.append(person)
        m = Membership(
            study_group=group,
            person=person,
            role=seat.role,
            role_order=Membership.ROLE_ORDER[seat.role],
            start_date=day,
        )
        self.titles[id(m)] = seat.title
        seat.held.append(m)
        self.memberships.append(m)


def build_memberships(world: DemoWorld, rng: random.Random) -> None:
    """Each group's seats with their holders over three years: people leave mid-year and the next holder
    starts the day after (a leader may be followed by the first deputy, whose seat is then refilled)."""
    today, start = world.today, world.start
    roster = _Roster(rng)
    R = Membership.Role
    month = datetime.timedelta(days=30)

    for plan, size in zip(world.plans, _group_sizes(world, rng), strict=True):
        mongol = 0.22 if plan.county.q == "旗" else 0.04
        n_deputies = 2 if plan.category == "county" or size >= 11 else 1
        n_members = size - 2 - n_deputies
        group, unit, pool = plan.group, plan.group.unit, plan.member_titles
        seats = [_Seat(R.LEADER, plan.leader_title, unit)]
        seats += [_Seat(R.DEPUTY, t, unit) for t in plan.deputy_titles[:n_deputies]]
        seats += [_Seat(R.MEMBER, pool[min(i, len(pool) - 1)], unit) for i in range(n_members)]
        seats.append(_Seat(R.SECRETARY, plan.secretary_title, plan.secretary_unit))

        for seat in seats:
            years_before = 3 if seat.role == R.SECRETARY else 6
            roster.occupy(
                group, seat, start - datetime.timedelta(days=rng.randint(20, 365 * years_before)), None, mongol
            )

        events = []
        for index, seat in enumerate(seats):
            for year in world.years:
                if rng.random() < TURNOVER[seat.role]:
                    events.append((_random_day(rng, year), index))
        events.sort()
        deputy = next((seat for seat in seats if seat.role == R.DEPUTY), None)
        for day, index in events:
            seat = seats[index]
            current = seat.held[-1]
            if day < current.start_date + month:
                continue  # too soon after taking the seat
            current.end_date = day
            nxt = day + datetime.timedelta(days=1)
            if (
                seat.role == R.LEADER
                and deputy is not None
                and rng.random() < PROMOTION
                and deputy.held[-1].start_date + month <= day
            ):
                promoted = deputy.held[-1]
                promoted.end_date = day
                roster.occupy(group, seat, nxt, promoted.person)
                roster.occupy(group, deputy, nxt, None, mongol)
            else:
                roster.occupy(group, seat, nxt, None, mongol)

    # Nothing after today: later holders are dropped and whoever holds a seat today keeps it open.
    kept = [m for m in roster.memberships if m.start_date <= today]
    for m in kept:
        if m.end_date is not None and m.end_date >= today:
            m.end_date = None
    latest: dict[int, Membership] = {}
    for m in kept:
        key = id(m.person)
        if key not in latest or m.start_date > latest[key].start_date:
            latest[key] = m
    people = [p for p in roster.people if id(p) in latest]
    for person in people:
        person.title = roster.titles[id(latest[id(person)])]

    bulk_create_audited(Person, people, batch_size=BATCH_SIZE)
    bulk_create_audited(Membership, kept, batch_size=BATCH_SIZE)
    world.people, world.memberships = people, kept


def build_accounts(world: DemoWorld, rng: random.Random) -> None:
    """The five demo logins, all with settings.DEMO_PASSWORD; no other account is ever created here."""
    county = world.counties[0]
    groups = {plan.group.unit.name: plan for plan in world.plans if plan.county is county}
    preferred = f"{county.unit.name}教育局"
    plan = groups.get(preferred) or next(p for p in world.plans if p.county is county and p.category == "department")
    group = plan.group
    today = world.today
    current = [m for m in world.memberships if m.study_group is group and m.is_active_on(today)]
    secretary = next(m.person for m in current if m.role == Membership.Role.SECRETARY)
    member = min((m for m in current if m.role == Membership.Role.MEMBER), key=lambda m: m.start_date).person

    password = make_password(settings.DEMO_PASSWORD)  # hashed once: five accounts, one known password
    used: set[str] = set()

    def account(username: str, role: str, person: Person | None = None, **scope) -> User:
        if person is not None:
            last, first = split_name(person.name)
        else:
            gender = Person.Gender.FEMALE if rng.random() < 0.4 else Person.Gender.MALE
            last, first = person_name(rng, gender, used)
        user = User(username=username, role=role, first_name=first, last_name=last, password=password, **scope)
        if person is not None:
            user.person = person
        user.save()
        return user

    world.accounts = {
        "staff": account("staff", Role.STAFF, scope_unit=county.unit),
        "inspector": account("inspector", Role.INSPECTOR, scope_unit=county.unit),
        "secretary": account("secretary", Role.SECRETARY, person=secretary, study_group=group),
        "member": account("member", Role.MEMBER, person=member),
        "auditor": account("auditor", Role.AUDITOR, scope_unit=world.region),
    }


# Later issues append their steps (sessions, attendance, inspections...) before "accounts" or after it.
STEPS: list[Step] = [
    Step("org", "organizations", build_org_tree),
    Step("groups", "study groups", build_study_groups),
    Step("members", "people and memberships", build_memberships),
    Step("accounts", "demo accounts", build_accounts),
]


# --------------------------------------------------------------------------------------------------
# Entry points for the command.


class DemoDataError(Exception):
    """The database is not in a state the command can work on (explained in the message)."""


def existing_data() -> dict[str, int]:
    """What already stands in the way of seeding: org units and accounts with a demo user name."""
    found = {
        "organizations": OrgUnit.objects.count(),
        "demo accounts": User.objects.filter(username__in=DEMO_USERNAMES).count(),
    }
    return {key: n for key, n in found.items() if n}


# The models seed_demo fills, in the order they must be deleted (PROTECT): later issues put theirs first.
FLUSH_ORDER = [Membership, Person, StudyGroup, OrgUnit]


def flush() -> dict[str, int]:
    """Delete the demo accounts and every row of FLUSH_ORDER, each deletion recorded in the history.

    Refuses when another account is scoped to the tree: that is somebody's real account.
    """
    tied = User.objects.exclude(username__in=DEMO_USERNAMES).filter(
        Q(scope_unit__isnull=False) | Q(study_group__isnull=False) | Q(person__isnull=False)
    )
    names = list(tied.order_by("username").values_list("username", flat=True)[:20])
    if names:
        raise DemoDataError(
            "Not flushing: these accounts are scoped to the organizations and would lose their scope: "
            + ", ".join(names)
            + ". Delete them or clear their scope first."
        )
    links, others = _referring_models()
    found = [f"{model._base_manager.count()} {model._meta.label}" for model in others if model._base_manager.exists()]
    if found:
        raise DemoDataError(
            "Not flushing: other records refer to the organizations, groups or people ("
            + ", ".join(found)
            + "). seed_demo.FLUSH_ORDER does not know them."
        )
    deleted: dict[str, int] = {}
    with transaction.atomic():
        _, by_model = User.objects.filter(username__in=DEMO_USERNAMES).delete()
        deleted.update({label: n for label, n in by_model.items() if n})
        for through in links:  # many-to-many rows between flushed models: no history of their own
            through._base_manager.all()._raw_delete(through._base_manager.db)
        for model in FLUSH_ORDER:
            n = delete_audited(model)
            if n:
                deleted[model._meta.label] = n
    return deleted


def _referring_models() -> tuple[list, list]:
    """Models outside FLUSH_ORDER with a foreign key into it: (many-to-many tables joining flushed
    models, which go with them; anything else, which must be empty). Accounts and history are apart."""
    flushed = set(FLUSH_ORDER)
    links, others = [], []
    for model in apps.get_models(include_auto_created=True):
        if model in flushed or model is User or hasattr(model, "instance_type"):
            continue
        targets = {f.related_model for f in model._meta.concrete_fields if f.is_relation}
        if targets & flushed:
            (links if model._meta.auto_created and targets <= flushed else others).append(model)
    return links, others


def delete_audited(model, *, reason: str = "seed_demo --flush") -> int:
    """Delete all rows of ``model`` in bulk, writing one "-" history row for each (as a post_delete would).

    QuerySet.delete() sends the signals one row at a time, far too slow for a prefecture's rows. The
    caller deletes the models in PROTECT order; org units go leaves first. Foreign keys pointing here
    from other models must already be gone: no cascade and no SET_NULL happen.
    """
    history = model.history.model
    tracked = [f.attname for f in history.tracked_fields]
    qs = model._base_manager.all()
    if model is OrgUnit:
        rows = sorted(qs.values_list("pk", "path"), key=lambda r: (-r[1].count("/"), r[0]))
        pks = [pk for pk, _path in rows]
    else:
        pks = list(qs.order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    for i in range(0, len(pks), BATCH_SIZE):
        chunk = pks[i : i + BATCH_SIZE]
        batch = model._base_manager.filter(pk__in=chunk)
        history.objects.bulk_create(
            [
                history(
                    history_date=now,
                    history_type="-",
                    history_change_reason=reason,
                    history_user=None,
                    **{name: getattr(obj, name) for name in tracked},
                )
                for obj in batch
            ],
            batch_size=BATCH_SIZE,
        )
        batch._raw_delete(batch.db)
    return len(pks)


def build(
    scale: str | Scale,
    seed: int,
    *,
    today: datetime.date | None = None,
    progress=None,
    steps: Iterable[Step] | None = None,
) -> DemoWorld:
    """Run the steps in one transaction. ``progress`` is a tqdm-like bar (``set_description``, ``update``)."""
    scale = SCALES[scale] if isinstance(scale, str) else scale
    world = DemoWorld(scale=scale, seed=seed, today=today or timezone.localdate())
    with transaction.atomic():
        for step in STEPS if steps is None else steps:
            if progress is not None:
                progress.set_description(step.label)
            step.run(world, world.rng(step.key))
            if progress is not None:
                progress.update(1)
    world.counts = {
        "counties": len(world.counties),
        "organizations": len(world.units),
        "study groups": len(world.groups),
        "people": len(world.people),
        "memberships": len(world.memberships),
        "current members": sum(1 for m in world.memberships if m.end_date is None),
        "accounts": len(world.accounts),
    }
    return world
