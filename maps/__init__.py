"""Interactive maps and print figures."""
