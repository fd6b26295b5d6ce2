"""The control API (``/_mock``): put the fake into any state, script it, read its journal.

Scenario files (``scenarios.py``) drive the same operations from YAML.
"""
