"""The audit trail of a school."""


class AuditHandlers:
    pass
