"""Roster contracts: audit."""
