"""Roster contracts: classes."""
