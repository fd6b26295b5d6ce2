"""``python -m app`` is ``numbers-mock``."""

from app.cli import main

main()
