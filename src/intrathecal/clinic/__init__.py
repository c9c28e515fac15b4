"""clinic layer."""
