"""Roster contracts: students."""
