"""Performance benchmark: a synthetic county at 1k … 1M buildings, both analysis engines."""
