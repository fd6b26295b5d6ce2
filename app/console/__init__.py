"""The console: a web page at ``/`` to see and steer the fake provider.

Static files only (``static/``: HTML, CSS and JavaScript, no build step, nothing from another
host). Everything the page does goes through the control API and the provider APIs.
"""
