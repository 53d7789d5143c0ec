"""The subject categories of the manual and the subjects a new school starts with."""

CATEGORIES = (
    "思想品德", "学业水平", "身心健康", "艺术素养", "社会实践", "体艺2+1",
    "校本课程",
)

_COMMON = {
    "身心健康": ["体育与健康"],
    "艺术素养": ["音乐", "美术"],
}

DEFAULT_SUBJECTS = {
    "primary": {
        "思想品德": ["道德与法治"],
        "学业水平": ["语文", "数学", "英语", "科学", "信息技术"],
        **_COMMON,
        "社会实践": ["综合实践活动", "劳动与技术"],
    },
    "junior": {
        "思想品德": ["道德与法治"],
        "学业水平": ["语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理",
                 "信息技术"],
        **_COMMON,
        "社会实践": ["综合实践活动", "劳动与技术"],
    },
    "senior": {
        "思想品德": ["思想政治"],
        "学业水平": ["语文", "数学", "英语", "物理", "化学", "生物", "政治", "历史",
                 "地理", "信息技术"],
        **_COMMON,
        "社会实践": ["综合实践", "研究性学习", "通用技术"],
    },
}


def default_subjects(stage: str) -> list[tuple[str, str]]:
    """(category, name) pairs in the order the manual lists them."""
    return [(category, name)
            for category, names in DEFAULT_SUBJECTS[stage].items() for name in names]
