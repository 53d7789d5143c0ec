"""Roster contracts: grades."""
