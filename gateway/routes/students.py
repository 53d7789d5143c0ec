"""Students: records, lists, search, transfers."""
