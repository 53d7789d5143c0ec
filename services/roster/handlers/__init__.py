"""The roster's entry points, one mixin per area, joined in RosterService."""
