"""Scripted behaviour of provider operations: faults, delays, rate limits, and their verdict."""
