"""``numbers-mock``: the command line."""
