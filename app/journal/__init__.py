"""The request journal: every provider request, written by group commit, read by the control API."""
