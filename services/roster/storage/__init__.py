"""The roster schema's queries, one module per area; every query names its school."""
