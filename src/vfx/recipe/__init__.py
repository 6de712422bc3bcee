"""Declarative recipes: TOML files naming a frame source, steps and outputs, run in batches."""
