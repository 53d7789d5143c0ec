"""Running the suite: local servers, the local runner, the machine set-up.

Everything imported from here at set-up time uses the standard library only.
"""
