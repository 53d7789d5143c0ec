"""The identity service's entry points, one mixin per area."""
