"""The audit trail of a school."""
