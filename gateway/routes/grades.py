"""Grades and their subjects."""
