"""Students: records, lists, search, transfers."""


class StudentHandlers:
    pass
