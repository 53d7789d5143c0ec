"""Accounts, credentials, login sessions, activation and recovery."""
