"""Classes: administrative, tiered and elective."""


class ClassHandlers:
    pass
