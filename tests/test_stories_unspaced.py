"""Chinese and Japanese text, written without spaces, still clusters and near-duplicates;
so does Korean, whose words carry their particles.

The reports below are invented for these tests (places, people and clubs included).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from broadsheet.stories.cluster import ClusterDoc, cluster_documents
from broadsheet.stories.neardup import NearDuplicateIndex, tokens
from broadsheet.stories.unspaced import character_pairs, spaced_characters

T0 = datetime(2026, 5, 4, 8, tzinfo=UTC)

# Three events, three differently worded reports each: a flood, a phone launch, a match.
REPORTS: list[tuple[int, str, str]] = [
    (0, "青石镇遭遇洪水 三百户居民紧急疏散",
     "周二凌晨，连日暴雨导致青石镇河水暴涨，镇长李明华表示，已有三百户居民被紧急疏散到附近"
     "学校。消防部门出动二十艘橡皮艇参与救援，目前没有人员伤亡的报告。李明华说，青石镇的供电已经部分恢复，但镇上的两座桥梁仍然关闭。县政府已向青石镇派出医疗队。"),
    (1, "星河电子发布新款折叠手机",
     "科技公司星河电子周三在深圳发布了一款新的折叠屏手机，首席执行官王芳在发布会上说，这款"
     "手机的电池续航比上一代提高了百分之四十，售价为八千九百元。王芳说，星河电子今年的研发投入增加了一倍，新手机的屏幕也更加耐用。"),
    (0, "暴雨引发洪水 青石镇镇长李明华称救援仍在进行",
     "青石镇镇长李明华周二对记者说，洪水淹没了镇中心的大部分街道，三百户居民已经转移。他说，"
     "救援人员正在用橡皮艇搜寻被困的老人。气象部门预计暴雨还将持续两天。李明华呼吁青石镇居民不要返回低洼地区的住所，直到洪水完全退去。"),
    (2, "东海联二比一击败北湖城",
     "周六晚上，东海联在主场以二比一战胜北湖城，主教练赵志强赛后说，球员们在下半场表现出色。"
     "这场胜利让东海联升至联赛积分榜第二位。赵志强说，东海联下一场将在客场迎战西山队。"),
    (1, "王芳：星河电子新手机下月上市",
     "星河电子首席执行官王芳周三表示，公司新推出的折叠屏手机将于下月在全国上市。分析人士认为，"
     "八千九百元的售价将使其与国际品牌直接竞争。王芳说，星河电子的折叠屏手机已经收到大量预订。"),
    (2, "赵志强称赞东海联球员下半场的表现",
     "东海联主教练赵志强在赛后新闻发布会上表示，球队在落后的情况下连进两球，最终击败北湖城。"
     "他说，这是本赛季最重要的一场胜利。赵志强还感谢了东海联球迷在主场的支持。"),
    (0, "青石镇洪水：居民讲述连夜撤离经过",
     "在青石镇的一所临时安置学校里，被疏散的居民回忆了周二凌晨河水冲进家门的情景。镇长李明华"
     "说，三百户居民都已安全转移，洪水退去后将评估房屋损失。一位居民说，洪水来得很快，他们只带走了证件和一些衣服。青石镇已连续三天降雨。"),
    (1, "星河电子折叠屏手机续航提升百分之四十",
     "在深圳举行的发布会上，星河电子展示了新款折叠屏手机。王芳说，新电池技术让续航提高了百分之"
     "四十，公司希望今年销量突破一百万台。星河电子去年的手机销量为六十万台。"),
    (2, "北湖城客场一比二不敌东海联",
     "北湖城周六在客场以一比二输给东海联。北湖城率先进球，但东海联在下半场连入两球完成逆转，"
     "赵志强的球队因此升至积分榜第二。北湖城已经连续三场比赛没有获胜。"),
]

# Two Japanese reports of one invented event, and one of another.
JAPANESE: list[tuple[int, str, str]] = [
    (0, "桜川市で大雨 二百世帯に避難指示",
     "桜川市は火曜日、大雨による川の氾濫の恐れがあるとして、二百世帯に避難指示を出した。"
     "山本一郎市長は、市内の小学校を避難所として開放したと述べた。"),
    (1, "みどり銀行、新しい支店を開設",
     "みどり銀行は水曜日、駅前に新しい支店を開設したと発表した。田中花子社長は、"
     "若い世代の利用者を増やしたいと話した。"),
    (0, "桜川市長「避難所は十分に確保」 大雨続く",
     "大雨が続く桜川市で、山本一郎市長は記者会見を開き、二百世帯への避難指示について説明した。"
     "市長は、小学校の避難所には十分な食料があると述べた。"),
]


# Three invented events in Korean, two reports each, their names with other particles
# ("이명화는", "이명화 군수는"; "성하전자가", "성하전자의").
KOREAN: list[tuple[int, str, str]] = [
    (0, "청석군에 폭우로 홍수 발생, 주민 삼백 가구 대피",
     "화요일 새벽 계속된 폭우로 청석군의 하천이 범람했다. 청석군수 이명화는 주민 삼백 가구가 "
     "인근 학교로 긴급 대피했다고 밝혔다. 소방당국은 고무보트 이십 척을 투입해 구조 작업을 "
     "벌이고 있으며, 현재까지 인명 피해는 보고되지 않았다. 이명화 군수는 청석군의 전기가 일부 "
     "복구되었지만 다리 두 곳은 여전히 통제되고 있다고 말했다."),
    (1, "성하전자, 새 폴더블 스마트폰 공개",
     "기술 기업 성하전자가 수요일 새로운 폴더블 스마트폰을 공개했다. 왕방 최고경영자는 "
     "발표회에서 새 스마트폰의 배터리 사용 시간이 이전 모델보다 사십 퍼센트 늘었다고 말했다. "
     "가격은 팔십구만 원이다. 왕방은 성하전자가 올해 연구개발 투자를 두 배로 늘렸다고 밝혔다."),
    (0, '청석군수 이명화 "구조 작업 계속 진행 중"',
     "청석군수 이명화는 화요일 기자들에게 홍수로 군 중심가의 도로 대부분이 물에 잠겼다고 "
     "말했다. 그는 주민 삼백 가구가 이미 대피했으며 구조대원들이 고무보트로 고립된 노인들을 "
     "찾고 있다고 밝혔다. 기상청은 폭우가 이틀 더 이어질 것으로 예상했다. 이명화 군수는 "
     "주민들에게 홍수가 완전히 빠질 때까지 저지대 집으로 돌아가지 말라고 당부했다."),
    (2, "동해유나이티드, 북호시티에 이 대 일 승리",
     "토요일 저녁 동해유나이티드가 홈에서 북호시티를 이 대 일로 꺾었다. 조지강 감독은 경기 후 "
     "선수들이 후반전에 훌륭한 경기를 펼쳤다고 말했다. 이번 승리로 동해유나이티드는 리그 순위 "
     "이위로 올라섰다. 조지강 감독은 다음 경기에서 원정으로 서산팀을 상대한다고 밝혔다."),
    (1, '왕방 "성하전자 새 스마트폰 다음 달 출시"',
     "성하전자의 왕방 최고경영자는 수요일 새로 공개한 폴더블 스마트폰이 다음 달 전국에 "
     "출시된다고 밝혔다. 분석가들은 팔십구만 원의 가격이 해외 브랜드와 직접 경쟁하게 만들 "
     "것이라고 보았다. 왕방은 성하전자의 폴더블 스마트폰에 이미 많은 사전 주문이 들어왔다고 "
     "말했다."),
    (2, "조지강 감독, 동해유나이티드 선수들의 후반전 활약 칭찬",
     "동해유나이티드의 조지강 감독은 경기 후 기자회견에서 팀이 뒤진 상황에서 두 골을 연달아 "
     "넣어 북호시티를 꺾었다고 말했다. 그는 이번 경기가 이번 시즌 가장 중요한 승리라고 "
     "밝혔다. 조지강은 홈 경기장에서 응원해 준 동해유나이티드 팬들에게도 감사를 전했다."),
]


def _docs(reports: list[tuple[int, str, str]]) -> tuple[list[ClusterDoc], dict[str, int]]:
    docs, event_of = [], {}
    for n, (event, title, text) in enumerate(reports):
        doc_id = f"a{n}"
        docs.append(ClusterDoc(id=doc_id, title=title, text=text,
                               published=T0 + timedelta(hours=n)))
        event_of[doc_id] = event
    return docs, event_of


def _groups(reports: list[tuple[int, str, str]]) -> tuple[set[frozenset[str]], ...]:
    docs, event_of = _docs(reports)
    story_of = cluster_documents(docs)
    by_story: dict[str, set[str]] = {}
    by_event: dict[int, set[str]] = {}
    for doc_id, story in story_of.items():
        by_story.setdefault(story, set()).add(doc_id)
        by_event.setdefault(event_of[doc_id], set()).add(doc_id)
    return {frozenset(s) for s in by_story.values()}, {frozenset(s) for s in by_event.values()}


def test_chinese_reports_of_one_event_join_and_no_story_mixes_events() -> None:
    stories, events = _groups(REPORTS)
    assert all(any(story <= event for event in events) for story in stories)
    # Split on spaces, no two of these reports share a term: nine stories. Short reports
    # carry many pairs that straddle two words (noise), so one may still stand alone.
    assert len(stories) <= 4
    assert sum(len(story) > 1 for story in stories) == 3


def test_japanese_reports_of_one_event_make_one_story() -> None:
    stories, events = _groups(JAPANESE)
    assert stories == events
    assert len(stories) == 2


def test_korean_reports_of_one_event_make_one_story_whatever_their_particles() -> None:
    # Split on spaces, the two flood reports shared too few words (their names carry
    # other particles) and made two stories.
    stories, events = _groups(KOREAN)
    assert stories == events


def test_a_lightly_edited_chinese_copy_is_a_near_duplicate_and_another_report_is_not() -> None:
    index = NearDuplicateIndex()
    original = REPORTS[0][2] + REPORTS[2][2]
    edited = original.replace("周二凌晨", "本周二凌晨").replace("两天", "三天")
    assert len(tokens(original)) > 100  # one token per character
    assert index.add("original", original, T0) is None
    assert index.add("edited", edited, T0) == "original"
    other = REPORTS[1][2] + REPORTS[4][2]
    assert index.add("other", other, T0) is None


def test_character_pairs_split_only_unspaced_scripts() -> None:
    assert character_pairs("东海联击败北湖城") == " 东海 海联 联击 击败 败北 北湖 湖城 "
    assert character_pairs("市长「避难」") == " 市长 「 避难 」"
    mixed = character_pairs("Tokyo 東京, Seoul 서울").split()
    assert mixed == ["Tokyo", "東京", ",", "Seoul", "서울"]
    assert character_pairs("대통령이 말했다").split() == ["대통", "통령", "령이", "말했", "했다"]
    assert spaced_characters("대통령이") == "대통령이"  # shingles keep Korean words whole
    english = "The council’s “plan” — approved"
    assert character_pairs(english) is english
    assert spaced_characters("A市长") == "A 市  长 "
