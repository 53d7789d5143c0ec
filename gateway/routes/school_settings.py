"""The admin's school: settings, terms and the yearly promotion."""
