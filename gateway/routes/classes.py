"""Classes: administrative, tiered and elective."""
