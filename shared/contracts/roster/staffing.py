"""Roster contracts: staffing."""
