"""Pure image operations over numpy arrays (no file IO here)."""
