"""The identity schema's SQL, one module per area."""
