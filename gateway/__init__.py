"""The only HTTP entry: authenticates, validates, and asks the services over the bus."""
