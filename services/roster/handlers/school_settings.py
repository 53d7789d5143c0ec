"""School settings, terms and the yearly promotion."""


class SchoolSettingsHandlers:
    pass
