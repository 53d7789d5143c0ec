"""Roster contracts: school_settings."""
