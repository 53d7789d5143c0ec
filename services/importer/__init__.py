"""Spreadsheet templates, import jobs and exports."""
