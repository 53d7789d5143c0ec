"""Preparation groups and teaching assignments."""


class StaffingHandlers:
    pass
