"""Credentials: bearer tokens (JWT), Bird's access keys, what an identifier may be."""
