"""Preparation groups and teaching assignments."""
