"""A deterministic, realistic demo region for ``manage.py seed_demo``.

The builder is a list of steps (:data:`STEPS`) run in order on one :class:`DemoWorld`. Each step gets
its own ``random.Random`` seeded from the run's seed and the step's key (the record steps one per group
or county as well), so a step added by a later issue (inspections...) never changes what the earlier
steps build. Steps keep what they created on the world (``world.groups``, ``world.sessions``...) for
the steps after them.

Everything depends only on the seed, the scale and the reference day ``today`` (default: the local
date). "Three years" are ``today``'s calendar year and the two before it: each step simulates the
full three calendar years and then drops whatever would lie after ``today``, so the random draws
never depend on the day of the run.

The study records (plans, sessions, attendance, speeches, reflections, self-study, reading, research
topics, articles, exam scores) carry the moment they would have been entered: created_at (and
record_entered_at) mostly soon after the fact, late for some groups (the year-end rush of the seeds),
never after the start of ``today``. Their authors are the demo accounts in the demo county, nobody
elsewhere; the history rows say the same. Sessions from ``today`` on are planned, without records.

The organizations, groups and people are written with :func:`core.scoping.bulk_create_audited` (history
rows included), a few thousand at a time; ``OrgUnit.path`` is set here because bulk creation skips
``save()``. The records, up to three quarters of a million attendance rows at the prefecture scale,
go through :func:`create_with_history`, the same rows written faster.

To add a model: write ``def build_things(world, rng)`` (plan in memory, then bulk writes per model),
add ``Step("things", "things", build_things)`` to :data:`STEPS`, and put the model in
:data:`FLUSH_ORDER` before the models it points to.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.base import ModelState
from django.utils import timezone

from core.models import Membership, Notification, OrgUnit, Person, Role, StudyGroup, User
from core.scoping import bulk_create_audited
from studygroups.models import (
    Attendance,
    ExamScore,
    Plan,
    PlanTopic,
    ReadingProgress,
    Reflection,
    RequiredReading,
    ResearchTopic,
    SelfStudy,
    Speech,
    StudySession,
    TheoryArticle,
)

BATCH_SIZE = 5000
TWENTY_MINUTES = datetime.timedelta(minutes=20)
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
    # Study records, for the steps after the one that made them. Keys: (group or county index, year).
    group_topics: dict[tuple[int, int], list[PlanTopic]] = field(default_factory=dict)
    group_plan_at: dict[tuple[int, int], datetime.datetime] = field(default_factory=dict)
    county_plan_at: dict[tuple[int, int], datetime.datetime] = field(default_factory=dict)
    readings: dict[tuple[int, int], list[RequiredReading]] = field(default_factory=dict)
    sessions: list[SessionSim] = field(default_factory=list)
    behind: set[tuple[int, int]] = field(default_factory=set)  # (group, year) pairs that fall behind their plan
    session_flags: _GroupFlags | None = None  # which groups rush their records, have leaders often away...
    rooms: list[str] = field(default_factory=list)  # each group's usual meeting room
    progress: object | None = None  # the command's tqdm bar, for counts while a long step runs
    _rosters: list[list[Membership]] | None = None
    _person_accounts: dict[int, User] | None = None
    _county_of_group: list[int] | None = None

    @property
    def years(self) -> tuple[int, int, int]:
        return (self.today.year - 2, self.today.year - 1, self.today.year)

    @property
    def start(self) -> datetime.date:
        """First day of the three years."""
        return datetime.date(self.today.year - 2, 1, 1)

    @property
    def now(self) -> datetime.datetime:
        """The reference moment: the start of ``today``. Everything entered lies before it; sessions
        from it on are in the future."""
        return _moment(self.today)

    def rng(self, key: str) -> random.Random:
        # A string seed is hashed with SHA-512: stable across runs and Python processes.
        return random.Random(f"seed_demo:{self.seed}:{key}")

    def rosters(self) -> list[list[Membership]]:
        """Each group's memberships (all three years), in the order of ``groups``."""
        if self._rosters is None:
            index = {id(group): i for i, group in enumerate(self.groups)}
            self._rosters = [[] for _ in self.groups]
            for m in self.memberships:
                self._rosters[index[id(m.study_group)]].append(m)
        return self._rosters

    def county_index(self, group_index: int) -> int:
        if self._county_of_group is None:
            index = {id(c): i for i, c in enumerate(self.counties)}
            self._county_of_group = [index[id(gp.county)] for gp in self.plans]
        return self._county_of_group[group_index]

    def group_author(self, group_index: int) -> User | None:
        """Who enters a group's records: the demo secretary for their group, nobody (None) elsewhere."""
        secretary = self.accounts.get("secretary")
        if secretary is not None and secretary.study_group is self.groups[group_index]:
            return secretary
        return None

    def account_of(self, person: Person) -> User | None:
        if self._person_accounts is None:
            self._person_accounts = {id(u.person): u for u in self.accounts.values() if u.person_id is not None}
        return self._person_accounts.get(id(person))

    def person_author(self, person: Person, group_index: int) -> User | None:
        """Who enters a person's own records: their account, else their group's secretary account."""
        return self.account_of(person) or self.group_author(group_index)

    def county_author(self, county_index: int) -> User | None:
        """Who enters a county's plans, reading lists and exam scores: the demo staff account in its county."""
        staff = self.accounts.get("staff")
        if staff is not None and staff.scope_unit is self.counties[county_index].unit:
            return staff
        return None


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


# --------------------------------------------------------------------------------------------------
# Study records: the texts they are written from.


@dataclass(frozen=True)
class Topic:
    """A study topic (专题) as plans name it; ``short`` is how speeches and articles refer to it."""

    short: str
    title: str
    content: str
    materials: tuple[str, ...]
    first: int | None = None  # first and last year plans carry it (None: open)
    last: int | None = None
    always: bool = False  # in every plan of the years it is current

    def in_year(self, year: int) -> bool:
        return (self.first is None or year >= self.first) and (self.last is None or year <= self.last)


TOPICS = (
    Topic(
        "全国两会精神",
        "学习贯彻全国两会精神",
        "学习政府工作报告和习近平总书记在全国两会期间的重要讲话精神，对标对表抓好落实。",
        ("{year}年《政府工作报告》", "习近平总书记在全国两会期间的重要讲话"),
        always=True,
    ),
    Topic(
        "习近平新时代中国特色社会主义思想",
        "学习贯彻习近平新时代中国特色社会主义思想",
        "系统学习这一思想的核心要义、精神实质、丰富内涵和实践要求，掌握贯穿其中的世界观和方法论。",
        ("《习近平著作选读》相关篇目", "《习近平谈治国理政》相关篇目"),
        always=True,
    ),
    Topic(
        "主题教育",
        "学习贯彻习近平新时代中国特色社会主义思想主题教育",
        "按照“学思想、强党性、重实践、建新功”的总要求，把理论学习贯穿主题教育始终。",
        ("《习近平新时代中国特色社会主义思想专题摘编》", "《习近平著作选读》第一卷、第二卷"),
        2023,
        2023,
        always=True,
    ),
    Topic(
        "党的二十大精神",
        "学习贯彻党的二十大精神",
        "逐章学习党的二十大报告和党章，把握中国式现代化的本质要求，研究贯彻落实的具体举措。",
        ("党的二十大报告", "《中国共产党章程》"),
        2023,
        2024,
        always=True,
    ),
    Topic(
        "党纪学习教育",
        "党纪学习教育",
        "逐章逐条学习《中国共产党纪律处分条例》，做到学纪、知纪、明纪、守纪。",
        ("《中国共产党纪律处分条例》", "《中国共产党纪律处分条例》释义"),
        2024,
        2024,
        always=True,
    ),
    Topic(
        "党的二十届三中全会精神",
        "学习贯彻党的二十届三中全会精神",
        "学习《中共中央关于进一步全面深化改革、推进中国式现代化的决定》，研究本单位承担的改革任务。",
        ("《中共中央关于进一步全面深化改革、推进中国式现代化的决定》", "党的二十届三中全会公报"),
        2025,
        always=True,
    ),
    Topic(
        "中央八项规定精神",
        "深入贯彻中央八项规定精神学习教育",
        "学习中央八项规定及其实施细则精神，查摆纠治“四风”问题，推进作风建设常态化长效化。",
        ("中央八项规定及其实施细则", "习近平总书记关于加强党的作风建设的重要论述"),
        2025,
        2025,
        always=True,
    ),
    Topic(
        "习近平总书记对内蒙古重要讲话重要指示批示精神",
        "学习贯彻习近平总书记对内蒙古重要讲话重要指示批示精神",
        "围绕牢牢把握在祖国北疆的战略定位、完成好五大任务，研究本地贯彻落实的思路和措施。",
        ("习近平总书记考察内蒙古时的重要讲话", "自治区党委关于贯彻落实的实施意见"),
        always=True,
    ),
    Topic(
        "铸牢中华民族共同体意识",
        "铸牢中华民族共同体意识",
        "学习习近平总书记关于加强和改进民族工作的重要思想，推进民族团结进步创建。",
        ("习近平总书记在中央民族工作会议上的重要讲话", "《中华民族共同体概论》相关章节"),
        always=True,
    ),
    Topic(
        "总体国家安全观",
        "学习贯彻总体国家安全观",
        "学习习近平总书记关于总体国家安全观的重要论述，统筹发展和安全，防范化解各类风险隐患。",
        ("《习近平关于总体国家安全观论述摘编》", "《中华人民共和国国家安全法》"),
    ),
    Topic(
        "乡村振兴",
        "全面推进乡村振兴",
        "学习习近平总书记关于“三农”工作的重要论述和中央一号文件精神，巩固拓展脱贫攻坚成果。",
        ("《习近平关于“三农”工作论述摘编》", "{year}年中央一号文件"),
    ),
    Topic(
        "生态文明建设",
        "深入推进生态文明建设",
        "学习习近平生态文明思想，落实草原森林保护修复和黄河流域生态保护等重点任务。",
        ("《习近平生态文明思想学习纲要》", "习近平总书记在全国生态环境保护大会上的重要讲话"),
    ),
    Topic(
        "全面从严治党",
        "推进全面从严治党",
        "学习习近平总书记关于党的自我革命的重要思想，落实管党治党政治责任和“一岗双责”。",
        ("习近平总书记在中央纪委全会上的重要讲话", "《中国共产党廉洁自律准则》"),
    ),
    Topic(
        "新质生产力",
        "因地制宜发展新质生产力",
        "学习习近平总书记关于发展新质生产力的重要论述，结合本地资源禀赋推动产业转型升级。",
        ("习近平总书记关于发展新质生产力的重要论述", "《求是》杂志相关文章"),
        2024,
    ),
    Topic(
        "意识形态工作责任制",
        "落实意识形态工作责任制",
        "学习《党委（党组）意识形态工作责任制实施办法》，分析研判本单位意识形态领域形势，压实主体责任。",
        ("《党委（党组）意识形态工作责任制实施办法》", "习近平总书记关于宣传思想文化工作的重要论述"),
    ),
    Topic(
        "习近平经济思想",
        "学习习近平经济思想",
        "学习《习近平经济思想学习纲要》，完整准确全面贯彻新发展理念，推动经济高质量发展。",
        ("《习近平经济思想学习纲要》", "中央经济工作会议精神"),
    ),
    Topic(
        "习近平法治思想",
        "学习习近平法治思想",
        "学习《习近平法治思想学习纲要》，提高运用法治思维和法治方式推动工作的能力。",
        ("《习近平法治思想学习纲要》", "《中华人民共和国宪法》"),
    ),
    Topic(
        "习近平文化思想",
        "学习贯彻习近平文化思想",
        "学习习近平文化思想的丰富内涵，做好新时代宣传思想文化工作。",
        ("《习近平文化思想学习纲要》", "习近平总书记对宣传思想文化工作的重要指示"),
        2024,
    ),
    Topic(
        "中国式现代化",
        "推进中国式现代化",
        "学习中国式现代化的中国特色和本质要求，研究本地推进中国式现代化的实践路径。",
        ("党的二十大报告第三部分", "《求是》杂志相关文章"),
        2023,
    ),
    Topic(
        "安全生产",
        "统筹发展和安全 抓好安全生产",
        "学习习近平总书记关于安全生产的重要论述，压实安全生产责任，做好防灾减灾救灾工作。",
        ("习近平总书记关于安全生产的重要论述", "《中华人民共和国安全生产法》"),
    ),
    Topic(
        "优化营商环境",
        "持续优化营商环境",
        "学习《优化营商环境条例》，提升政务服务效能，支持民营经济发展壮大。",
        ("《优化营商环境条例》", "《中共中央 国务院关于促进民营经济发展壮大的意见》"),
    ),
    Topic(
        "党史学习教育",
        "推动党史学习教育常态化长效化",
        "学习《中国共产党简史》，传承红色基因，赓续精神血脉。",
        ("《中国共产党简史》", "《论中国共产党历史》"),
    ),
)
TOPIC_BY_TITLE = {t.title: t for t in TOPICS}

# What a session studies when it follows no plan topic (before the plan is out, or a group off its plan).
AD_HOC = (
    Topic(
        "中央经济工作会议精神",
        "传达学习中央经济工作会议精神",
        "",
        ("中央经济工作会议精神", "自治区党委经济工作会议精神"),
    ),
    Topic("上级全会精神", "传达学习上级党委全会精神", "", ("盟委全会工作报告", "旗县委全会工作报告")),
    Topic("上级有关会议精神", "传达学习上级有关会议精神", "", ("上级有关会议文件", "有关领导讲话")),
    Topic(
        "习近平总书记近期重要讲话精神",
        "学习习近平总书记近期重要讲话重要指示精神",
        "",
        ("习近平总书记近期重要讲话", "《求是》杂志刊发的习近平总书记重要文章"),
    ),
    Topic("《求是》重要文章", "学习《求是》杂志刊发的习近平总书记重要文章", "", ("《求是》杂志{year}年相关各期",)),
)


@dataclass(frozen=True)
class Book:
    title: str
    author: str
    first: int | None = None
    last: int | None = None
    lead: bool = False  # on every list of the years it is current


BOOKS = (
    Book("《习近平谈治国理政》第四卷", "习近平", 2022, 2024, lead=True),
    Book("《习近平谈治国理政》第五卷", "习近平", 2025, lead=True),
    Book("《习近平新时代中国特色社会主义思想学习纲要（2023年版）》", "中共中央宣传部", 2023, lead=True),
    Book("《习近平著作选读》第一卷", "习近平", 2023),
    Book("《习近平著作选读》第二卷", "习近平", 2023),
    Book("《习近平新时代中国特色社会主义思想专题摘编》", "中共中央党史和文献研究院", 2023),
    Book("《中国共产党纪律处分条例》", "中共中央", 2024, 2024, lead=True),
    Book("《习近平文化思想学习纲要》", "中共中央宣传部", 2024),
    Book("《中华民族共同体概论》", "本书编写组", 2024),
    Book("《习近平经济思想学习纲要》", "中共中央宣传部、国家发展和改革委员会", 2022),
    Book("《习近平生态文明思想学习纲要》", "中共中央宣传部、中华人民共和国生态环境部", 2022),
    Book("《习近平法治思想学习纲要》", "中共中央宣传部、中央全面依法治国委员会办公室", 2021),
    Book("《中国共产党简史》", "本书编写组"),
    Book("《习近平关于“三农”工作论述摘编》", "中共中央党史和文献研究院"),
)

ROOMS = ("三楼会议室", "二楼会议室", "党员活动室", "四楼小会议室", "一楼会议室", "综合会议室")
SK = StudySession.Kind
SESSION_KIND_WORDS = {
    SK.CONCENTRATED: "集中学习会议",
    SK.SEMINAR: "专题研讨会",
    SK.LECTURE: "专题辅导讲座",
    SK.COURSEWARE: "集中观看专题课件",
    SK.PARTY_DAY: "主题党日活动",
    SK.ONLINE: "线上集中学习",
    SK.EXCHANGE: "“城乡互动学”交流活动",
}
# Minutes a session of each kind lasts (min, max): "half a day" for the main kinds.
SESSION_MINUTES = {
    SK.CONCENTRATED: (120, 180),
    SK.SEMINAR: (150, 210),
    SK.LECTURE: (100, 140),
    SK.COURSEWARE: (80, 110),
    SK.PARTY_DAY: (150, 200),
    SK.ONLINE: (60, 90),
    SK.EXCHANGE: (210, 270),
}
START_MINUTES = (8 * 60 + 30, 9 * 60, 14 * 60 + 30, 15 * 60)
MONTHLY_KINDS = ((SK.CONCENTRATED, SK.SEMINAR, SK.ONLINE, SK.COURSEWARE), (55, 37, 4, 4))
EXTRA_KINDS = {
    "county": ((SK.LECTURE, SK.COURSEWARE, SK.ONLINE, SK.CONCENTRATED), (45, 25, 15, 15)),
    "department": ((SK.LECTURE, SK.COURSEWARE, SK.PARTY_DAY, SK.EXCHANGE, SK.ONLINE), (30, 20, 20, 15, 15)),
    "township": ((SK.LECTURE, SK.COURSEWARE, SK.PARTY_DAY, SK.EXCHANGE, SK.ONLINE), (25, 20, 30, 15, 10)),
}
# Chance that a group holds no monthly session in a month: Spring Festival, New Year, the summer.
MONTH_SKIP = {1: 0.25, 2: 0.5, 7: 0.06, 8: 0.1}

LEAVE_REASONS = (("出差", "下乡调研", "参加上级会议", "病假", "培训", "事假", "值班值守"), (24, 20, 16, 11, 13, 9, 7))
LEADER_LEAVE_REASONS = (
    ("参加上级会议", "出差", "下乡调研", "陪同上级调研检查", "培训", "病假"),
    (38, 18, 16, 14, 9, 5),
)
MAKEUP_NOTES = (
    "自学会议学习材料，撰写学习笔记一篇",
    "观看会议录音录像，补写心得体会",
    "向组长汇报自学情况，补学相关文件",
    "在下一次集中学习时补学并作交流发言",
    "通过“学习强国”学习平台补学相关内容",
)
POINTS = (
    "把学习成果转化为推动工作的实际成效",
    "在学懂弄通做实上下功夫",
    "坚持问题导向，补齐工作短板",
    "强化责任担当，抓好任务落实",
    "深入基层调查研究，解决群众急难愁盼问题",
    "不断提高政治判断力、政治领悟力、政治执行力",
    "坚持学用结合，做到知行合一",
    "把握精神实质，结合实际创造性落实",
)
ISSUES = {
    "county": ("重点项目建设", "招商引资", "民生保障", "基层治理", "生态保护", "县域经济发展"),
    "department": ("服务流程优化", "干部队伍建设", "重点任务推进", "作风建设", "制度执行", "数字化转型"),
    "township": ("集体经济发展", "人居环境整治", "草原生态保护", "矛盾纠纷排查化解", "特色产业发展", "防返贫监测"),
}
INSIGHTS = (
    "这一重要论述思想深邃、内涵丰富，为我们做好各项工作提供了根本遵循。",
    "理论上清醒才能政治上坚定，学习必须常抓不懈、久久为功。",
    "学习不能停留在读原文、记笔记上，关键是把握精神实质、指导实践。",
    "对照要求查找差距，我在学以致用、推动落实方面还有不小差距。",
    "只有把学习同本职工作结合起来，理论学习才能真正见到实效。",
)
ACTIONS = (
    "坚持读原著、学原文、悟原理，做到常学常新",
    "把学习成果转化为推动{work}的具体举措",
    "带头深入基层调查研究，切实为群众办实事解难题",
    "严格落实“一岗双责”，带好队伍、管好自己",
    "在{issue}上主动作为，以实际成效检验学习成果",
)
EMPHASES = (
    "要把学习贯彻工作作为当前和今后一个时期的重要政治任务抓紧抓好",
    "要坚持学以致用，把学习成果转化为推动高质量发展的实际成效",
    "班子成员要带头学、带头讲、带头用，层层抓好传达学习",
    "要结合工作实际研究制定具体措施，确保各项部署落地见效",
)
SELF_STUDY_SOURCES = (
    "“学习强国”学习平台专题文章",
    "《求是》杂志{year}年第{n}期",
    "“{county}宣传”公众号“理论政策热点面对面”专栏",
    "“{county}宣传”公众号“微讲堂”栏目",
    "《人民日报》评论员文章",
    "中国干部网络学院专题课程",
)
RESEARCH_TITLES = {
    "county": (
        "关于{c}因地制宜发展新质生产力的调研",
        "关于{c}铸牢中华民族共同体意识工作的调研",
        "关于推进{c}县域经济高质量发展的调研",
        "关于{c}推进生态优先绿色发展的调研",
        "关于{c}党建引领基层治理的调研",
        "关于{c}持续优化营商环境的调研",
    ),
    "department": (
        "关于提升{u}政务服务效能的调研",
        "关于加强{u}干部队伍建设的调研",
        "关于{u}落实意识形态工作责任制的调研",
        "关于{u}推进年度重点工作落实的调研",
        "关于{u}助力优化营商环境的调研",
        "关于{u}推进数字化转型的调研",
        "关于{u}服务乡村振兴的调研",
    ),
    "township": (
        "关于{u}发展壮大{v}集体经济的调研",
        "关于{u}推进农牧业产业化经营的调研",
        "关于{u}加强草原生态保护修复的调研",
        "关于提升{u}基层治理效能的调研",
        "关于{u}人居环境整治的调研",
        "关于{u}促进农牧民持续增收的调研",
        "关于{u}防止规模性返贫监测帮扶的调研",
    ),
}
APPLICATIONS = (
    "调研成果转化为《{short}工作实施方案》，经{body}会议研究后印发实施。",
    "调研提出的{n}条建议已被采纳，纳入下一年度重点工作安排。",
    "根据调研成果制定整改措施{n}项，已全部完成。",
    "调研报告获{county}委主要领导批示，相关建议已在全{q}推广。",
)
ARTICLE_TITLES = (
    "深刻把握{short}的核心要义",
    "以{short}引领{work}",
    "在{work}中践行{short}的几点思考",
    "关于{short}的实践与思考",
)
ESSAY_TITLES = ("学习{short}的心得体会", "学深悟透{short} 扎实推动{work}")
PUBLISHED_IN = (
    "",
    "",
    "",
    "《{region}日报》",
    "“{county}宣传”微信公众号",
    "{county}委理论学习中心组学习简报",
    "《实践》杂志",
)


# --------------------------------------------------------------------------------------------------
# Study records: time helpers and the writer.


def _moment(day: datetime.date, minutes: int = 0) -> datetime.datetime:
    """``minutes`` after local midnight of ``day``, as an aware datetime (Asia/Shanghai has no DST)."""
    start = datetime.datetime(day.year, day.month, day.day, tzinfo=timezone.get_default_timezone())
    return start + datetime.timedelta(minutes=minutes)


def _office_time(rng: random.Random, day: datetime.date) -> datetime.datetime:
    return _moment(day, rng.randint(8 * 60 + 30, 17 * 60 + 50))


def _evening_time(rng: random.Random, day: datetime.date) -> datetime.datetime:
    return _moment(day, rng.randint(19 * 60, 22 * 60 + 40))


def _weekday(rng: random.Random, year: int, month: int, lo: int, hi: int, used: set[datetime.date]) -> datetime.date:
    """A working day of the month between the ``lo``-th and ``hi``-th, not in ``used`` (which it extends)."""
    day = datetime.date(year, month, lo)
    for _ in range(30):
        day = datetime.date(year, month, rng.randint(lo, hi))
        if day.weekday() < 5 and day not in used:
            break
    used.add(day)
    return day


def _day_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, max(0, (last - first).days)))


@contextmanager
def _entry_times(model):
    """Let bulk creation keep the created_at/updated_at set on the rows.

    Django's pre_save stamps auto_now_add and auto_now fields with the current time even in
    bulk_create(); the demo's rows carry the moment they would have been entered instead.
    """
    fields = [model._meta.get_field("created_at"), model._meta.get_field("updated_at")]
    saved = [(f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


_ROW_FIELDS: dict[type, tuple[dict, dict]] = {}


def _row(model, **values):
    """An unsaved ``model`` instance made without Model.__init__ (several times faster, which counts at a
    million rows): the fields' defaults, then ``values`` by attribute name, relations by object or id."""
    spec = _ROW_FIELDS.get(model)
    if spec is None:
        fields = model._meta.concrete_fields
        defaults = {f.attname: None if f.primary_key else f.get_default() for f in fields}
        spec = _ROW_FIELDS[model] = (defaults, {f.name: f.attname for f in fields if f.is_relation})
    defaults, relations = spec
    obj = model.__new__(model)
    obj._state = ModelState()
    state = obj.__dict__
    state.update(defaults)
    for name, value in values.items():
        attname = relations.get(name)
        if attname is not None:
            state[attname] = None if value is None else value.pk
            obj._state.fields_cache[name] = value
        elif name in defaults:
            state[name] = value
        else:
            raise TypeError(f"{model.__name__} has no field {name!r}")
    return obj


def create_with_history(model, objs: list) -> None:
    """Insert ``objs`` and a "+" history row for each, dated at its created_at and by its created_by.

    The same rows as core.scoping.bulk_create_audited() with each row's _history_date and _history_user
    set, written several times faster, which the prefecture scale needs (three quarters of a million
    attendance rows; see bench/seed_demo.py): on PostgreSQL the rows go in by COPY with ids taken from
    the table's sequence (elsewhere by bulk_create()), and the history rows are copied from them by
    one INSERT ... SELECT per batch instead of being built in Python. The rows must carry created_at
    and updated_at: nothing stamps them here.
    """
    table, pk = model._meta.db_table, model._meta.pk.column
    qn = connection.ops.quote_name
    if connection.vendor == "postgresql":
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        names = [f.attname for f in fields]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, len(objs)]
            )
            for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = value
                obj._state.adding, obj._state.db = False, connection.alias
            columns = ", ".join(qn(c) for c in [pk, *(f.column for f in fields)])
            relations = [f for f in fields if f.is_relation]
            with cursor.cursor.copy(f"COPY {qn(table)} ({columns}) FROM STDIN") as copy:
                for obj in objs:
                    values = obj.__dict__
                    for f in relations:  # a related object assigned before it was saved (bulk_create() checks this)
                        if values[f.attname] is None and obj._state.fields_cache.get(f.name) is not None:
                            related = obj._state.fields_cache[f.name]
                            if related.pk is None:
                                raise ValueError(f"{model.__name__}.{f.name} points to an unsaved object.")
                            values[f.attname] = related.pk
                    copy.write_row([obj.pk, *(values[name] for name in names)])
    else:
        with _entry_times(model):
            model._base_manager.bulk_create(objs, batch_size=BATCH_SIZE)
    _copy_to_history(model, [obj.pk for obj in objs], kind="+", date="created_at", user="created_by_id")


def _copy_to_history(
    model, pks: list, *, kind: str, date: str, user: str, params: tuple = (), reason: str | None = None
) -> None:
    """Copy rows of ``model`` into its history table as ``kind`` ("+", "~", "-") rows, one INSERT ... SELECT
    per batch. ``date`` and ``user`` are SQL over the row's columns (or "%s" taking ``params``)."""
    history = model.history.model
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in history.tracked_fields)
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for i in range(0, len(pks), BATCH_SIZE):
            chunk = pks[i : i + BATCH_SIZE]
            # One array parameter on PostgreSQL: binding thousands of parameters costs more than the insert.
            which = "= ANY(%s)" if postgresql else f"IN ({', '.join(['%s'] * len(chunk))})"
            cursor.execute(
                f"INSERT INTO {qn(history._meta.db_table)} ({columns}, history_date, history_type, history_user_id, "
                f"history_change_reason) SELECT {columns}, {date}, %s, {user}, %s FROM {qn(model._meta.db_table)} "
                f"WHERE {qn(model._meta.pk.column)} {which}",
                [*params, kind, reason, *([chunk] if postgresql else chunk)],
            )


class _Rows:
    """Rows of one model, written BATCH_SIZE at a time with their history (create_with_history()).
    Each row carries when it was entered and by whom: created_at, created_by, and so its history row."""

    def __init__(self, world: DemoWorld, model, label: str, after: Callable[[list], None] | None = None):
        self.world, self.model, self.label, self.after = world, model, label, after
        self.buffer: list = []
        self.count = 0
        world.counts.setdefault(label, 0)

    def add(self, obj, at: datetime.datetime, by: User | None, updated: datetime.datetime | None = None) -> None:
        obj.created_at, obj.updated_at = at, updated or at
        obj.created_by_id = by.pk if by is not None else None
        self.buffer.append(obj)
        if len(self.buffer) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        create_with_history(self.model, self.buffer)
        if self.after is not None:
            self.after(self.buffer)
        self.count += len(self.buffer)
        self.world.counts[self.label] = self.count
        self.buffer = []
        progress = self.world.progress
        if progress is not None and hasattr(progress, "set_postfix_str"):
            progress.set_postfix_str(f"{self.count:,} {self.label}")


@dataclass(slots=True)
class SessionSim:
    """A session as simulated: its row, who attended how, who spoke, and when its parts were entered."""

    session: StudySession
    group_index: int
    topic: Topic
    topics: list[PlanTopic]
    rows: list[tuple]  # (person, status, reason, checked_in_at, makeup_on, makeup_notes), in roster order
    speeches: list[tuple]  # (person, is_lead, topic, gist)
    record_at: datetime.datetime | None  # when the written record was entered (None: not yet, or never)
    sheet_at: datetime.datetime  # when the secretary entered the attendance sheet


@dataclass
class _GroupFlags:
    rush: set[tuple[int, int]]  # (group, year): records written in a December rush (年底突击赶写)
    absent_leader: set[int]  # groups whose leader is often away
    qr_from: dict[int, datetime.date]  # groups checking in by QR code from that day on


# --------------------------------------------------------------------------------------------------
# Study records: the steps.


def build_plans(world: DemoWorld, rng: random.Random) -> None:
    """Per year and county: the region's topic arrangement as received, the county's annual plan; per group
    an annual plan (about ten topics, each with month, place and people, 四明确) and quarterly plans."""
    now = world.now
    n_groups = len(world.groups)
    for year in world.years:  # about a fifth of the groups fall behind their plan each year
        world.behind |= {(gi, year) for gi in rng.sample(range(n_groups), max(1, round(n_groups * 0.2)))}
    world.rooms = [_group_room(world, gi, world.rng(f"room:{gi}")) for gi in range(n_groups)]

    region = world.region
    plans: list[tuple] = []  # (plan, at, by, topics)
    for year in world.years:
        yrng = world.rng(f"plans:{year}")
        current = [t for t in TOPICS if t.in_year(year)]
        lead = [t for t in current if t.always]
        rest = [t for t in current if not t.always]
        chosen = lead + yrng.sample(rest, min(len(rest), max(0, yrng.randint(11, 12) - len(lead))))
        arrangement_day = datetime.date(year, 1, 8) + datetime.timedelta(days=yrng.randint(0, 25))
        arrangement_number = f"{region.short_name}宣发〔{year}〕{yrng.randint(1, 4)}号"
        for ci, county in enumerate(world.counties):
            crng = world.rng(f"plans:{year}:{ci}")
            author = world.county_author(ci)
            received = _office_time(crng, arrangement_day + datetime.timedelta(days=crng.randint(1, 6)))
            if received >= now:
                continue
            arrangement = _row(
                Plan,
                level=Plan.Level.ARRANGEMENT,
                unit=county.unit,
                year=year,
                title=f"{year}年全盟党委（党组）理论学习中心组专题学习重点内容安排",
                issuer=f"{region.name}委宣传部",
                document_number=arrangement_number,
                issued_on=arrangement_day,
            )
            plans.append(
                (
                    arrangement,
                    received,
                    author,
                    [_row(PlanTopic, order=i + 1, title=t.title, content=t.content) for i, t in enumerate(chosen)],
                )
            )
            # The county's plan: the arrangement's topics (one may be left out), one or two a month from March.
            dropped = crng.choice(rest) if rest and crng.random() < 0.5 else None
            county_topics = [t for t in chosen if t is not dropped]
            county_day = arrangement_day + datetime.timedelta(days=crng.randint(10, 28))
            county_at = _office_time(crng, county_day)
            if county_at >= now:
                continue
            months = [3 + i * 10 // len(county_topics) for i in range(len(county_topics))]
            county_number = f"{county.unit.short_name}宣发〔{year}〕{crng.randint(2, 9)}号"
            q = county.q
            plans.append(
                (
                    _row(
                        Plan,
                        level=Plan.Level.COUNTY,
                        unit=county.unit,
                        year=year,
                        title=f"{year}年全{q}党委（党组）理论学习中心组学习计划",
                        issuer=f"{county.unit.name}委宣传部",
                        document_number=county_number,
                        issued_on=county_day,
                        notes=f"依据{region.name}委宣传部《{year}年全盟党委（党组）理论学习中心组专题学习重点内容安排》"
                        f"（{arrangement_number}）制定。",
                    ),
                    county_at,
                    author,
                    [
                        _row(
                            PlanTopic,
                            order=i + 1,
                            title=t.title,
                            content=t.content,
                            planned_month=month,
                            place="各党委（党组）会议室",
                            participants="各党委（党组）理论学习中心组成员",
                        )
                        for i, (t, month) in enumerate(zip(county_topics, months, strict=True))
                    ],
                )
            )
            world.county_plan_at[ci, year] = county_at
            for gi, gp in enumerate(world.plans):
                if gp.county is county:
                    plans += _group_plans(world, gi, year, county_topics, months, county_day, county_number)

    rows = _Rows(world, Plan, "study plans")
    topics = _Rows(world, PlanTopic, "plan topics")
    for plan, at, by, _topics in plans:
        rows.add(plan, at, by)
    rows.flush()
    for plan, at, by, plan_topics in plans:
        for topic in plan_topics:
            topic.plan = plan
            topics.add(topic, at, by)
    topics.flush()


def _group_room(world: DemoWorld, gi: int, rng: random.Random) -> str:
    gp = world.plans[gi]
    unit = gp.group.unit
    if gp.category == "county":
        return f"{unit.name}委常委会议室"
    if gp.category == "township":
        return f"{unit.name}党委{rng.choice(('会议室', '二楼会议室', '党员活动室'))}"
    return f"{unit.name}{rng.choice(ROOMS)}"


def _group_plans(world, gi, year, county_topics, months, county_day, county_number) -> list[tuple]:
    """A group's annual plan and quarterly plans (with the annual topics of their quarter)."""
    grng = world.rng(f"plans:{year}:g{gi}")
    gp = world.plans[gi]
    group = gp.group
    behind = (gi, year) in world.behind
    day = county_day + datetime.timedelta(days=grng.randint(20, 60) if behind else grng.randint(4, 20))
    at = _office_time(grng, day)
    if at >= world.now:
        return []
    author = world.group_author(gi)
    keep = [(t, m) for t, m in zip(county_topics, months, strict=True) if t.always or grng.random() < 0.85]
    issuer = group.name.removesuffix("理论学习中心组")
    annual = _row(
        Plan,
        level=Plan.Level.ANNUAL,
        unit=group.unit,
        study_group=group,
        year=year,
        title=f"{group.name}{year}年学习计划",
        issuer=issuer,
        issued_on=day,
        notes=f"依据《{year}年全{gp.county.q}党委（党组）理论学习中心组学习计划》（{county_number}）制定。",
    )
    annual_topics = []
    for i, (topic, month) in enumerate(keep):
        if grng.random() < 0.25:
            month += grng.choice((-1, 1))
        month = min(12, max(month, day.month))
        lecture = grng.random() < 0.1
        annual_topics.append(
            _row(
                PlanTopic,
                order=i + 1,
                title=topic.title,
                content=topic.content,
                planned_month=month,
                place=f"{gp.county.unit.name}委党校报告厅" if lecture else world.rooms[gi],
                participants=grng.choice(("中心组全体成员", "中心组全体成员", "中心组全体成员，各股室负责人列席")),
            )
        )
    world.group_topics[gi, year] = sorted(annual_topics, key=lambda t: (t.planned_month, t.order))
    world.group_plan_at[gi, year] = at
    result = [(annual, at, author, annual_topics)]
    for quarter in range(1, 5):
        q_day = max(day, datetime.date(year, quarter * 3 - 2, 1) - datetime.timedelta(days=grng.randint(0, 10)))
        q_at = max(at, _office_time(grng, q_day))
        mine = [t for t in annual_topics if (t.planned_month - 1) // 3 + 1 == quarter]
        if not mine or q_at >= world.now:
            continue
        quarterly = _row(
            Plan,
            level=Plan.Level.QUARTERLY,
            unit=group.unit,
            study_group=group,
            year=year,
            quarter=quarter,
            title=f"{group.name}{year}年第{'一二三四'[quarter - 1]}季度学习计划",
            issuer=issuer,
            issued_on=q_at.date(),
        )
        copies = [
            _row(
                PlanTopic,
                order=i + 1,
                title=t.title,
                content=t.content,
                planned_month=t.planned_month,
                place=t.place,
                participants=t.participants,
            )
            for i, t in enumerate(mine)
        ]
        result.append((quarterly, q_at, author, copies))
    return result


def build_readings(world: DemoWorld, rng: random.Random) -> None:
    """Each county's required reading list (必学书目) of each year: four to six books, out with its plan."""
    rows = _Rows(world, RequiredReading, "required readings")
    for year in world.years:
        current = [b for b in BOOKS if (b.first is None or year >= b.first) and (b.last is None or year <= b.last)]
        for ci, county in enumerate(world.counties):
            at = world.county_plan_at.get((ci, year))
            if at is None:
                continue
            crng = world.rng(f"readings:{year}:{ci}")
            lead = [b for b in current if b.lead]
            rest = [b for b in current if not b.lead]
            books = lead + crng.sample(rest, min(len(rest), max(0, crng.randint(4, 6) - len(lead))))
            readings = [
                _row(RequiredReading, unit=county.unit, year=year, order=i + 1, title=b.title, author=b.author)
                for i, b in enumerate(books)
            ]
            for reading in readings:
                rows.add(reading, at, world.county_author(ci))
            world.readings[ci, year] = readings
    rows.flush()


def build_sessions(world: DemoWorld, rng: random.Random) -> None:
    """About one session a month per group and a few more of other kinds, three years of them, with their
    records; attendance, speeches and reflections are drawn here too and written by the next steps."""
    n = len(world.groups)
    secretary_group = next((gi for gi in range(n) if world.group_author(gi) is not None), None)
    rush = set()
    for year in world.years:  # groups that write most records at the year's end; never the demo secretary's
        pool = [gi for gi in range(n) if gi != secretary_group]
        rush |= {(gi, year) for gi in rng.sample(pool, max(1, round(n * 0.1)))}
    absent_leader = set(rng.sample(range(n), max(1, round(n * 0.12))))
    qr_from = {}
    for gi in range(n):
        if rng.random() < 0.45:
            qr_from[gi] = world.start + datetime.timedelta(days=rng.randint(540, 1000))
    flags = _GroupFlags(rush=rush, absent_leader=absent_leader, qr_from=qr_from)
    world.session_flags = flags

    rows = _Rows(world, StudySession, "study sessions", after=_session_topics_and_history)
    for gi in range(n):
        for sim in _simulate_group(world, gi, flags):
            world.sessions.append(sim)
            session = sim.session
            session._demo_topics = sim.topics
            rows.add(session, session.created_at, session.created_by, updated=session.updated_at)
    rows.flush()


def _session_topics_and_history(sessions: list[StudySession]) -> None:
    """After a batch of sessions is written: their plan topics, and a truthful history.

    create_with_history() records each session once, as it is now. A session entered before it took
    place had no record then: its "+" row is set back to what was entered at creation, and a "~" row
    dated at the last change (the record, a notice or reminder sent by the system) holds what it is now.
    """
    through = StudySession.topics.through
    through.objects.bulk_create(
        [through(studysession_id=s.pk, plantopic_id=t.pk) for s in sessions for t in s._demo_topics],
        batch_size=BATCH_SIZE,
    )
    history = StudySession.history.model
    _copy_topics_to_history(sessions)
    changed = [s for s in sessions if s.updated_at > s.created_at]
    if not changed:
        return
    history.objects.filter(history_type="+", id__in=[s.pk for s in changed]).update(
        record="",
        record_entered_at=None,
        record_entered_by=None,
        work_problems="",
        outcomes="",
        notice_sent_at=None,
        record_reminder_sent_at=None,
        version=1,
        updated_at=F("created_at"),
    )
    # The current state, dated at the last change, by whoever entered the record if that was it.
    _copy_to_history(
        StudySession,
        [s.pk for s in changed],
        kind="~",
        date="updated_at",
        user="CASE WHEN record_entered_at = updated_at THEN record_entered_by_id END",
    )
    _copy_topics_to_history([s for s in changed if s._demo_topics], kinds=("~",))


def _copy_topics_to_history(sessions: list[StudySession], kinds: tuple[str, ...] = ("+",)) -> None:
    """The topics each session's history rows of ``kinds`` hold (what simple-history writes for a tracked
    many-to-many field): the session's topic links copied next to each row, one INSERT ... SELECT per batch.
    The demo's topics never change, so every row holds the topics the session has now."""
    pks = [s.pk for s in sessions]
    if not pks:
        return
    through = StudySession.topics.through
    history = StudySession.history.model
    through_history = history.topics.model
    qn = connection.ops.quote_name
    columns = [qn(f.column) for f in through._meta.concrete_fields]
    source = qn(through._meta.get_field("studysession").column)
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for i in range(0, len(pks), BATCH_SIZE):
            chunk = pks[i : i + BATCH_SIZE]
            which = "= ANY(%s)" if postgresql else f"IN ({', '.join(['%s'] * len(chunk))})"
            cursor.execute(
                f"INSERT INTO {qn(through_history._meta.db_table)} ({', '.join(columns)}, history_id) "
                f"SELECT {', '.join(f't.{c}' for c in columns)}, h.history_id "
                f"FROM {qn(through._meta.db_table)} t JOIN {qn(history._meta.db_table)} h ON h.id = t.{source} "
                f"WHERE t.{source} {which} AND h.history_type IN ({', '.join(['%s'] * len(kinds))})",
                [*([chunk] if postgresql else chunk), *kinds],
            )


def _simulate_group(world: DemoWorld, gi: int, flags: _GroupFlags) -> list[SessionSim]:
    grng = world.rng(f"sessions:{gi}")
    gp = world.plans[gi]
    roster = sorted(world.rosters()[gi], key=lambda m: (m.role_order, m.start_date))
    speech_counts: dict[int, int] = {}
    propensity: dict[int, float] = {}
    sims = []
    for year in world.years:
        used: set[datetime.date] = set()
        slots = []
        for month in range(1, 13):
            skip = MONTH_SKIP.get(month, 0.04) + (0.3 if (gi, year) in world.behind else 0.0)
            if grng.random() >= skip:
                slots.append((_weekday(grng, year, month, 6, 26, used), True))
        for _ in range(grng.randint(3, 5)):
            month = grng.choice((1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12))
            slots.append((_weekday(grng, year, month, 2, 28, used), False))
        slots.sort()
        covered: set[int] = set()
        for day, monthly in slots:
            sim = _simulate_session(
                world, gi, gp, grng, flags, day, monthly, roster, covered, speech_counts, propensity
            )
            if sim.session.created_at < world.now:
                sims.append(sim)
    return sims


def _simulate_session(world, gi, gp, grng, flags, day, monthly, roster, covered, speech_counts, propensity):
    year = day.year
    group = gp.group
    now = world.now
    if monthly:
        kind = grng.choices(*MONTHLY_KINDS)[0]
    else:
        kind = grng.choices(*EXTRA_KINDS[gp.category])[0]
    start = _moment(day, grng.choice(START_MINUTES))
    end = start + datetime.timedelta(minutes=grng.randint(*SESSION_MINUTES[kind]))

    # When the record is entered: mostly within three days; late for a few; in a December rush for some groups.
    late_days = settings.LATE_ENTRY_DAYS
    behind = (gi, year) in world.behind
    u = grng.random()
    rushed = False
    if (gi, year) in flags.rush and day.month < 12 and u < 0.6:
        record_at = _office_time(grng, datetime.date(year, 12, grng.randint(12, 30)))
        rushed = True
    elif u < (0.07 if behind else 0.025):
        record_at = None  # never written
    elif u < (0.12 if behind else 0.06):
        record_at = _office_time(grng, day + datetime.timedelta(days=grng.randint(late_days + 1, late_days + 40)))
    elif grng.random() < 0.35:
        record_at = end + datetime.timedelta(minutes=grng.randint(30, 150))
    else:
        record_at = _office_time(grng, day + datetime.timedelta(days=grng.randint(1, 3)))
    sheet_at = end + datetime.timedelta(minutes=grng.randint(20, 1800))
    notice_days = settings.SESSION_NOTICE_DAYS
    if rushed:
        created = record_at  # the whole session was entered after the fact
    else:
        created = _office_time(grng, day - datetime.timedelta(days=notice_days + grng.randint(1, 24)))

    # Plan topics covered: the month's (or an overdue) topic of the annual plan once the plan is out.
    plan_topics = world.group_topics.get((gi, year), [])
    plan_at = world.group_plan_at.get((gi, year))
    linked: list[PlanTopic] = []
    if plan_topics and plan_at is not None and plan_at <= created:
        if monthly:
            if behind and grng.random() < 0.35:
                pass  # studied something else
            else:
                due = [t for t in plan_topics if id(t) not in covered and t.planned_month <= day.month]
                if not due and grng.random() < 0.4:
                    due = [t for t in plan_topics if id(t) not in covered and t.planned_month == day.month + 1]
                if due:
                    linked = due[:2] if len(due) > 1 and grng.random() < 0.35 else due[:1]
                elif grng.random() < 0.5:
                    linked = [grng.choice(plan_topics)]
        elif grng.random() < 0.6:
            linked = [grng.choice(plan_topics)]
    covered.update(id(t) for t in linked)
    topic = TOPIC_BY_TITLE[linked[0].title] if linked else grng.choice(AD_HOC)
    if not linked and kind not in (SK.CONCENTRATED, SK.LECTURE, SK.EXCHANGE, SK.PARTY_DAY):
        kind = SK.CONCENTRATED
    title, place, note = _session_title_place(world, gi, gp, grng, kind, topic, day)

    # Who was there: every member of the group on the day.
    active = [m for m in roster if m.start_date <= day and (m.end_date is None or m.end_date >= day)]
    leader_away = gi in flags.absent_leader
    qr = gi in flags.qr_from and day >= flags.qr_from[gi]
    rows = []
    statuses = {}
    R, S = Membership.Role, Attendance.Status
    for m in active:
        person = m.person
        if m.role == R.SECRETARY:
            leave, absent, late = 0.02, 0.0, 0.01
        elif m.role == R.LEADER:
            leave, absent, late = (0.26, 0.1, 0.03) if leader_away else (0.09, 0.01, 0.02)
        else:
            p = propensity.setdefault(id(person), grng.choice((0.4, 0.7, 1.0, 1.0, 1.2, 1.8)))
            leave, absent, late = 0.068 * p, 0.012 * p, 0.028
        u = grng.random()
        if u < leave:
            status = S.LEAVE
        elif u < leave + absent:
            status = S.ABSENT
        elif u < leave + absent + late:
            status = S.LATE
        else:
            status = S.PRESENT
        statuses[id(person)] = (status, m)
    # The host: the leader, else the first deputy there, else whoever is there.
    host = next((m for m in active if m.role == R.LEADER and statuses[id(m.person)][0] in (S.PRESENT, S.LATE)), None)
    if host is None:
        host = next((m for m in active if m.role == R.DEPUTY), None) or (active[0] if active else None)
        if host is not None:
            statuses[id(host.person)] = (S.PRESENT, host)
    for m in active:
        person = m.person
        status = statuses[id(person)][0]
        reason, checked_in, makeup_on, makeup_note = "", None, None, ""
        if status == S.LEAVE:
            reasons = LEADER_LEAVE_REASONS if m.role == R.LEADER else LEAVE_REASONS
            reason = grng.choices(*reasons)[0]
            if grng.random() < 0.83:
                makeup_on = day + datetime.timedelta(days=grng.randint(3, 30))
                makeup_note = grng.choice(MAKEUP_NOTES)
        elif status != S.ABSENT and qr and grng.random() < 0.9:
            minutes = grng.randint(-28, 10) if status == S.PRESENT else grng.randint(16, 45)
            checked_in = start + datetime.timedelta(minutes=minutes)
        rows.append((person, status, reason, checked_in, makeup_on, makeup_note))

    # Two or three speakers, those who spoke least in the group first (成员轮流制).
    attended = [
        m
        for m in active
        if statuses[id(m.person)][0] in (S.PRESENT, S.LATE) and m.role != R.SECRETARY and m is not host
    ]
    k = min(len(attended), 3 if grng.random() < 0.45 else 2)
    ranked = sorted(((speech_counts.get(id(m.person), 0), grng.random(), i) for i, m in enumerate(attended)))
    speakers = [attended[i] for _c, _r, i in ranked[:k]]
    work = _work_words(gp)
    speeches = []
    for i, m in enumerate(speakers):
        speech_counts[id(m.person)] = speech_counts.get(id(m.person), 0) + 1
        speech_topic = grng.choice(
            (
                f"学习{topic.short}的认识和体会",
                f"结合{work}谈{topic.short}",
                f"把{topic.short}落到实处",
                f"{topic.short}学习交流发言",
            )
        )
        gist = (
            f"结合{work}谈了学习{topic.short}的认识和体会，认为要{grng.choice(POINTS)}；"
            f"并就{grng.choice(ISSUES[gp.category])}提出了具体措施。"
        )
        speeches.append((m.person, i < 2, speech_topic[:200], gist))

    author = world.group_author(gi)
    in_db = record_at is not None and record_at < now
    record = work_problems = outcomes = ""
    if record_at is not None:
        record = _record_text(grng, gp, kind, day, start, place, host, topic, year, speakers, rows, note)
        if grng.random() < 0.3:
            issue = grng.choice(ISSUES[gp.category])
            work_problems = f"{issue}中存在的短板弱项"
            outcomes = f"会议研究确定{issue}整改措施{grng.randint(2, 6)}项，明确责任人和完成时限。"
    materials = _materials(grng, world, gi, topic, year)

    # The system's messages: the advance notice before the session, the reminder of a missing record.
    notice_at = reminder_at = None
    if not rushed:
        notice = max(_moment(day - datetime.timedelta(days=notice_days)), created) + datetime.timedelta(minutes=10)
        if notice < now and notice < start:
            notice_at = notice
        reminder = end + datetime.timedelta(days=settings.RECORD_REMINDER_DAYS, minutes=10)
        if reminder < now and (record_at is None or record_at > reminder):
            reminder_at = reminder
    updated = max(t for t in (created, notice_at, reminder_at, record_at if in_db else None) if t is not None)
    session = _row(
        StudySession,
        study_group=group,
        title=title[:200],
        kind=kind,
        starts_at=start,
        ends_at=end,
        place=place[:100],
        host=host.person if host is not None else None,
        materials=materials,
        # Entered with the session: most a week or more before it, some within the last days (late
        # against the five working days inspections ask for), the year-end rush after the fact.
        materials_entered_at=created if materials else None,
        record=record if in_db else "",
        record_entered_at=record_at if in_db else None,
        record_entered_by=author if in_db else None,
        work_problems=work_problems if in_db else "",
        outcomes=outcomes if in_db else "",
        notice_days=notice_days,
        notice_sent_at=notice_at,
        record_reminder_sent_at=reminder_at,
        version=2 if in_db and not rushed else 1,
    )
    session.created_at, session.updated_at, session.created_by = created, updated, author
    return SessionSim(
        session=session,
        group_index=gi,
        topic=topic,
        topics=linked,
        rows=rows,
        speeches=speeches,
        record_at=record_at if in_db else None,
        sheet_at=record_at if in_db else sheet_at,
    )


def _work_words(gp: GroupPlan) -> str:
    if gp.category == "county":
        return f"全{gp.county.q}中心工作"
    return "乡村振兴和基层治理工作" if gp.category == "township" else "分管工作"


def _session_title_place(world, gi, gp, grng, kind, topic, day) -> tuple[str, str, str]:
    """A session's subject, place, and what its record adds about the form (lecturer, visit, households)."""
    county, room = gp.county, world.rooms[gi]
    if kind == SK.SEMINAR:
        return f"{topic.short}专题研讨", room, ""
    if kind == SK.LECTURE:
        gender = Person.Gender.MALE if grng.random() < 0.6 else Person.Gender.FEMALE
        surname, given = person_name(grng, gender, set())
        school = grng.choice((f"{county.unit.name}委党校", f"{world.region.name}委党校", "内蒙古自治区党委党校"))
        rank = grng.choice(("教授", "副教授", "讲师"))
        place = f"{county.unit.name}委党校报告厅" if grng.random() < 0.4 else room
        return f"{topic.short}专题辅导讲座", place, f"会议邀请{school}{rank}{surname}{given}作专题辅导。"
    if kind == SK.COURSEWARE:
        return f"观看“{topic.short}”专题课件", room, ""
    if kind == SK.ONLINE:
        return f"线上学习：{topic.title}", f"线上（“学习强国”学习平台、“{county.unit.name}宣传”公众号）", ""
    if kind == SK.PARTY_DAY:
        unit = gp.group.unit
        branches = [b for b in county.branches if b.parent is unit] if gp.category == "township" else county.branches
        if not branches:
            return f"{day.month}月主题党日：{topic.short}", room, ""
        branch = grng.choice(branches)
        note = (
            f"学习结束后，成员分组走访{branch.name}群众，开展问政于民、问计于民、问需于民“三问”活动，"
            f"收集意见建议{grng.randint(3, 12)}条。"
        )
        return f"{day.month}月主题党日：{topic.short}", f"{branch.name}党群服务中心", note
    if kind == SK.EXCHANGE:
        township = gp.category != "township"
        partner = grng.choice(county.townships if township else county.departments[1:])
        note = f"按照“三看一听一分享”，实地观摩{partner.name}工作亮点，查阅学习档案，听取工作汇报并交流学习经验。"
        place = f"{partner.name}{'党委会议室' if township else '会议室'}"
        return f"赴{partner.name}开展“城乡互动学”交流", place, note
    title = topic.title if topic.title.startswith(("学习", "传达")) else f"{topic.title}专题学习"
    return title, room, ""


def _materials(grng: random.Random, world: DemoWorld, gi: int, topic: Topic, year: int) -> str:
    lines = [m.format(year=year) for m in topic.materials]
    readings = world.readings.get((world.county_index(gi), year))
    if readings and grng.random() < 0.5:
        lines.append(f"{grng.choice(readings).title}相关篇目")
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


def _record_text(grng, gp, kind, day, start, place, host, topic, year, speakers, rows, note) -> str:
    """The written record (学习记录): time, place, host, content, form, speakers, who attended and who did not."""
    S = Attendance.Status
    when = f"{day.year}年{day.month}月{day.day}日{'上午' if start.hour < 12 else '下午'}"
    host_name = host.person.name if host is not None else ""
    parts = [f"{when}，{gp.group.name}在{place}召开{SESSION_KIND_WORDS[kind]}"]
    if host is not None:
        parts.append(f"，{host.person.title}{host_name}主持。")
    else:
        parts.append("。")
    parts.append(note)
    parts.append(f"会议学习了{'、'.join(m.format(year=year) for m in topic.materials)}。")
    if speakers:
        parts.append(f"{'、'.join(m.person.name for m in speakers)}结合各自工作作交流发言。")
    if host is not None:
        parts.append(f"{host_name}在总结讲话中强调，{grng.choice(EMPHASES)}。")
    present = sum(1 for r in rows if r[1] in (S.PRESENT, S.LATE))
    leaves = "、".join(f"{r[0].name}（{r[2]}）" for r in rows if r[1] == S.LEAVE)
    absent = "、".join(r[0].name for r in rows if r[1] == S.ABSENT)
    parts.append(f"应到{len(rows)}人，实到{present}人")
    if leaves:
        parts.append(f"；请假：{leaves}")
    if absent:
        parts.append(f"；缺席：{absent}")
    parts.append("。")
    return "".join(parts)


def build_attendance(world: DemoWorld, rng: random.Random) -> None:
    """Attendance of every member on each past session's day: QR check-ins as they happened, the rest as
    the secretary entered them (with the record, or from the sign-in sheet); make-ups done before today."""
    rows = _Rows(world, Attendance, "attendance records")
    now, today = world.now, world.today
    for sim in world.sessions:
        session = sim.session
        if session.starts_at >= now:
            continue
        author = world.group_author(sim.group_index)
        for person, status, reason, checked_in, makeup_on, notes in sim.rows:
            if checked_in is not None:
                at, by, method = checked_in, world.account_of(person), Attendance.Method.QR
            else:
                at, by, method = sim.sheet_at, author, Attendance.Method.MANUAL
            if at >= now:
                continue
            done = makeup_on if makeup_on is not None and makeup_on < today else None
            attendance = _row(
                Attendance,
                session_id=session.pk,
                person_id=person.pk,
                status=status,
                reason=reason,
                method=method,
                checked_in_at=checked_in,
                makeup_done_on=done,
                makeup_notes=notes if done else "",
            )
            rows.add(attendance, at, by, updated=max(at, _moment(done, 17 * 60)) if done else at)
    rows.flush()


def build_speeches(world: DemoWorld, rng: random.Random) -> None:
    """The speeches of each session whose record is entered, entered with it."""
    rows = _Rows(world, Speech, "speeches")
    for sim in world.sessions:
        if sim.record_at is None:
            continue
        author = world.group_author(sim.group_index)
        for person, is_lead, topic, gist in sim.speeches:
            rows.add(
                _row(Speech, session_id=sim.session.pk, person_id=person.pk, topic=topic, gist=gist, is_lead=is_lead),
                sim.record_at,
                author,
            )
    rows.flush()


def build_reflections(world: DemoWorld, rng: random.Random) -> None:
    """Reflections (心得体会) after about two sessions in five (more after seminars) by a third to a half of
    those who attended, mostly within the week, some weeks late."""
    rows = _Rows(world, Reflection, "reflections")
    now = world.now
    attended = (Attendance.Status.PRESENT, Attendance.Status.LATE)
    grng, current = None, None
    for sim in world.sessions:
        session = sim.session
        if session.starts_at >= now:
            continue
        if sim.group_index != current:
            current = sim.group_index
            grng = world.rng(f"reflections:{current}")
        if grng.random() >= (0.6 if session.kind == SK.SEMINAR else 0.4):
            continue
        gp = world.plans[current]
        share = grng.uniform(0.3, 0.5)
        day = session.starts_at.date()
        for person, status, *_rest in sim.rows:
            if status not in attended or grng.random() >= share:
                continue
            u = grng.random()
            delay = grng.randint(0, 6) if u < 0.92 else grng.randint(8, 30) if u < 0.98 else grng.randint(31, 90)
            at = max(_evening_time(grng, day + datetime.timedelta(days=delay)), session.ends_at + TWENTY_MINUTES)
            text = (
                f"通过这次学习，我对{sim.topic.short}有了更加深刻的理解。{grng.choice(INSIGHTS)}"
                f"作为{person.title}，我将"
                + grng.choice(ACTIONS).format(work=_work_words(gp), issue=grng.choice(ISSUES[gp.category]))
                + "。"
            )
            if at < now:
                rows.add(
                    _row(Reflection, session_id=session.pk, person_id=person.pk, text=text),
                    at,
                    world.person_author(person, current),
                )
    rows.flush()


def _year_span(m: Membership, year: int) -> tuple[datetime.date, datetime.date]:
    """The part of ``year`` in which ``m`` was held (first > last when none)."""
    first = max(m.start_date, datetime.date(year, 1, 1))
    last = min(m.end_date or datetime.date(year, 12, 31), datetime.date(year, 12, 31))
    return first, last


def build_self_study(world: DemoWorld, rng: random.Random) -> None:
    """A few self-study entries (自学) per member and year, one to four hours each."""
    rows = _Rows(world, SelfStudy, "self-study records")
    now = world.now
    for gi, roster in enumerate(world.rosters()):
        grng = world.rng(f"selfstudy:{gi}")
        ci = world.county_index(gi)
        county = world.counties[ci].unit.name
        for m in roster:
            for year in world.years:
                first, last = _year_span(m, year)
                if first > last:
                    continue
                readings = world.readings.get((ci, year), [])
                for _ in range(round(grng.randint(2, 4) * ((last - first).days + 1) / 365)):
                    day = _day_between(grng, first, last)
                    if readings and grng.random() < 0.45:
                        material = f"{grng.choice(readings).title}相关章节"
                    else:
                        source = grng.choice(SELF_STUDY_SOURCES)
                        material = source.format(year=year, n=grng.randint(1, 24), county=county)
                    hours = Decimal(grng.randint(2, 8)) / 2
                    notes = grng.choice(
                        ("", "", "摘抄学习笔记约{n}字", "撰写学习笔记，梳理重点观点", "结合分管工作写下思考")
                    )
                    notes = notes.format(n=grng.randint(8, 30) * 100)
                    at = _evening_time(grng, day + datetime.timedelta(days=grng.choice((0, 0, 0, 1, 2))))
                    if at < now:
                        study = _row(
                            SelfStudy,
                            person_id=m.person.pk,
                            date=day,
                            material=material[:200],
                            hours=hours,
                            notes=notes,
                        )
                        rows.add(study, at, world.person_author(m.person, gi))
    rows.flush()


def build_reading_progress(world: DemoWorld, rng: random.Random) -> None:
    """Members' progress through their county's required readings: most started, many finished."""
    rows = _Rows(world, ReadingProgress, "reading progress records")
    now = world.now
    seen: set[tuple[int, int]] = set()
    for gi, roster in enumerate(world.rosters()):
        grng = world.rng(f"reading:{gi}")
        ci = world.county_index(gi)
        for m in roster:
            for year in world.years:
                readings = world.readings.get((ci, year))
                if not readings:
                    continue
                first, last = _year_span(m, year)
                first = max(first, world.county_plan_at[ci, year].date())
                if first > last:
                    continue
                for reading in readings:
                    if grng.random() >= 0.5:
                        continue
                    finished = grng.random() < 0.7
                    day = _day_between(grng, first, last)
                    at = _evening_time(grng, day + datetime.timedelta(days=grng.choice((0, 0, 1, 2))))
                    if finished:
                        notes = grng.choice(
                            ("", "已通读全书，重点篇目精读并做笔记", "完成重点章节学习", "撰写读书笔记一篇")
                        )
                    else:
                        notes = grng.choice(("", "正在学习中", "已学习前三个专题"))
                    key = (id(m.person), id(reading))
                    if at >= now or key in seen:
                        continue
                    seen.add(key)
                    progress = _row(
                        ReadingProgress,
                        person_id=m.person.pk,
                        reading_id=reading.pk,
                        finished_on=day if finished else None,
                        notes=notes,
                    )
                    rows.add(progress, at, world.person_author(m.person, gi))
    rows.flush()


def build_research_topics(world: DemoWorld, rng: random.Random) -> None:
    """Two or three research topics (调研课题) per group in each year's second half: most reported by the
    year's end and many put to use; a few, more in groups behind their plan, still under way."""
    rows = _Rows(world, ResearchTopic, "research topics")
    now, today = world.now, world.today
    R, St = Membership.Role, ResearchTopic.Status
    for gi, gp in enumerate(world.plans):
        grng = world.rng(f"research:{gi}")
        roster = world.rosters()[gi]
        author = world.group_author(gi)
        unit, county = gp.group.unit, gp.county
        body = gp.group.name.removesuffix("理论学习中心组")
        for year in world.years:
            stuck_chance = 0.3 if (gi, year) in world.behind else 0.1
            for template in grng.sample(RESEARCH_TITLES[gp.category], 3 if grng.random() < 0.3 else 2):
                title = template.format(c=county.unit.name, u=unit.name, v="嘎查村" if county.q == "旗" else "村")
                assigned = _day_between(grng, datetime.date(year, 6, 1), datetime.date(year, 7, 25))
                due = datetime.date(year, grng.choice((11, 12)), grng.choice((15, 20, 30)))
                reported = _day_between(grng, datetime.date(year, 9, 20), datetime.date(year, 12, 28))
                applied = reported + datetime.timedelta(days=grng.randint(15, 90))
                stuck, applies = grng.random() < stuck_chance, grng.random() < 0.55
                at = _office_time(grng, assigned)
                report = (
                    f"调研组先后深入{grng.randint(4, 15)}个基层单位实地走访，召开座谈会{grng.randint(2, 6)}次，"
                    f"发放调查问卷{grng.randint(6, 40) * 10}份，梳理出{grng.randint(3, 6)}个方面的问题，"
                    f"提出{grng.randint(5, 12)}条对策建议，形成调研报告。"
                )
                application = grng.choice(APPLICATIONS).format(
                    short=title.removeprefix("关于").removesuffix("的调研"),
                    body=body,
                    n=grng.randint(3, 8),
                    county=county.unit.name,
                    q=county.q,
                )
                if at >= now:
                    continue
                active = [m for m in roster if m.is_active_on(assigned) and m.role in (R.LEADER, R.DEPUTY)]
                lead = grng.choice(active).person if active else None
                topic = _row(
                    ResearchTopic, study_group=gp.group, title=title, lead=lead, assigned_on=assigned, due_on=due
                )
                updated = at
                if stuck or reported >= today:
                    topic.status = St.RESEARCHING if (today - assigned).days > 20 else St.ASSIGNED
                else:
                    topic.status, topic.report, topic.reported_on = St.REPORTED, report, reported
                    updated = _moment(reported, 16 * 60)
                    if applies and applied < today:
                        topic.status, topic.application, topic.applied_on = St.APPLIED, application, applied
                        updated = _moment(applied, 16 * 60)
                rows.add(topic, at, author, updated=updated)
    rows.flush()


def build_articles(world: DemoWorld, rng: random.Random) -> None:
    """Theory articles, research reports and reflection essays by some members (more of the leaders)."""
    rows = _Rows(world, TheoryArticle, "theory articles")
    now = world.now
    R, Kd = Membership.Role, TheoryArticle.Kind
    for gi, gp in enumerate(world.plans):
        grng = world.rng(f"articles:{gi}")
        county = gp.county.unit.name
        work = _work_words(gp)
        for m in world.rosters()[gi]:
            for year in world.years:
                first, last = _year_span(m, year)
                if first > last:
                    continue
                chance = (0.45 if m.role in (R.LEADER, R.DEPUTY) else 0.25) * ((last - first).days + 1) / 365
                if grng.random() >= chance:
                    continue
                kind = grng.choices((Kd.ARTICLE, Kd.ESSAY, Kd.REPORT), (60, 25, 15))[0]
                plan_topics = world.group_topics.get((gi, year))
                if plan_topics:
                    topic = TOPIC_BY_TITLE[grng.choice(plan_topics).title]
                else:
                    topic = grng.choice([t for t in TOPICS if t.in_year(year)])
                issue = grng.choice(ISSUES[gp.category])
                if kind == Kd.REPORT:
                    title = f"{gp.group.unit.name}{issue}情况的调研报告"
                else:
                    title = grng.choice(ESSAY_TITLES if kind == Kd.ESSAY else ARTICLE_TITLES).format(
                        short=topic.short, work=work
                    )
                written = _day_between(grng, first, last)
                published = grng.choice(PUBLISHED_IN).format(region=world.region.name, county=county)
                point = grng.choice(POINTS)
                if kind == Kd.REPORT:
                    text = f"围绕{issue}，作者深入基层走访座谈，摸清了现状，分析了存在的问题及其原因，提出要{point}。"
                else:
                    text = (
                        f"{topic.content}本文结合{work}实际，从{issue}入手，分析了存在的问题及其原因，提出要{point}。"
                    )
                at = _evening_time(grng, written + datetime.timedelta(days=grng.randint(0, 5)))
                if at < now:
                    article = _row(
                        TheoryArticle,
                        person=m.person,
                        kind=kind,
                        title=title[:200],
                        written_on=written,
                        published_in=published,
                        text=text,
                    )
                    rows.add(article, at, world.person_author(m.person, gi))
    rows.flush()


def build_exam_scores(world: DemoWorld, rng: random.Random) -> None:
    """The annual theory exam for leading cadres, late in the year: everyone in a group that day sits it;
    scores 60 to 100, most between 80 and 95, entered by the propaganda department a week or two later."""
    rows = _Rows(world, ExamScore, "exam scores")
    now = world.now
    rosters = world.rosters()
    for ci, county in enumerate(world.counties):
        for year in world.years:
            crng = world.rng(f"exams:{ci}:{year}")
            exam = (
                _weekday(crng, year, 11, 20, 30, set())
                if crng.random() < 0.6
                else _weekday(crng, year, 12, 1, 15, set())
            )
            entered = _office_time(crng, exam + datetime.timedelta(days=crng.randint(5, 15)))
            if entered >= now:
                continue
            people: dict[int, Person] = {}
            for gi, gp in enumerate(world.plans):
                if gp.county is county:
                    for m in rosters[gi]:
                        if m.is_active_on(exam):
                            people.setdefault(id(m.person), m.person)
            for person in people.values():
                u = crng.random()
                if u < 0.05:
                    halves = crng.randint(120, 159)  # 60 to 79.5
                elif u < 0.93:
                    halves = min(190, max(160, round(crng.gauss(87.5, 3.8) * 2)))
                else:
                    halves = crng.randint(191, 200)
                score = _row(ExamScore, person_id=person.pk, year=year, score=Decimal(halves) / 2, exam_date=exam)
                rows.add(score, entered, world.county_author(ci))
    rows.flush()


# Accounts come before the records: they are the authors of the demo county's records.
STEPS: list[Step] = [
    Step("org", "organizations", build_org_tree),
    Step("groups", "study groups", build_study_groups),
    Step("members", "people and memberships", build_memberships),
    Step("accounts", "demo accounts", build_accounts),
    Step("plans", "study plans", build_plans),
    Step("readings", "required readings", build_readings),
    Step("sessions", "study sessions", build_sessions),
    Step("attendance", "attendance", build_attendance),
    Step("speeches", "speeches", build_speeches),
    Step("reflections", "reflections", build_reflections),
    Step("selfstudy", "self-study", build_self_study),
    Step("reading", "reading progress", build_reading_progress),
    Step("research", "research topics", build_research_topics),
    Step("articles", "theory articles", build_articles),
    Step("exams", "exam scores", build_exam_scores),
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
FLUSH_ORDER = [
    Notification,  # sent by the app about demo sessions; not built here
    Reflection,
    Speech,
    Attendance,
    StudySession,
    ExamScore,
    TheoryArticle,
    ResearchTopic,
    SelfStudy,
    ReadingProgress,
    RequiredReading,
    PlanTopic,
    Plan,
    Membership,
    Person,
    StudyGroup,
    OrgUnit,
]


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
    qs = model._base_manager.all()
    if model is OrgUnit:
        rows = sorted(qs.values_list("pk", "path"), key=lambda r: (-r[1].count("/"), r[0]))
        pks = [pk for pk, _path in rows]
    else:
        pks = list(qs.order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    for i in range(0, len(pks), BATCH_SIZE):
        chunk = pks[i : i + BATCH_SIZE]
        _copy_to_history(model, chunk, kind="-", date="%s", user="NULL", params=(now,), reason=reason)
        batch = model._base_manager.filter(pk__in=chunk)
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
    world = DemoWorld(scale=scale, seed=seed, today=today or timezone.localdate(), progress=progress)
    _ROW_FIELDS.clear()  # defaults may read settings
    with transaction.atomic():
        for step in STEPS if steps is None else steps:
            if progress is not None:
                progress.set_description(step.label)
                if hasattr(progress, "set_postfix_str"):
                    progress.set_postfix_str("")
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
        **world.counts,  # the records' writers count what they wrote
    }
    return world
