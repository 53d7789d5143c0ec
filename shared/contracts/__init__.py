"""The messages services exchange, as pydantic models: one module per service.

Requests and replies are validated on both sides of the bus; events carry a version
so a consumer can tell an old payload from a new one.
"""
