"""Pingram's Numbers API: search, order, list, release and released numbers."""
