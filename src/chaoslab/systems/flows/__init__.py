"""The catalog's chaotic flows, grouped in modules by field."""
