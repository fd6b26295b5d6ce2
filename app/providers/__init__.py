"""The provider APIs numbers-mock fakes, one folder each.

``operations`` names every provider operation (faults, rate limits, the journal and the
control API read it); ``registry`` holds the routers the app mounts.
"""
