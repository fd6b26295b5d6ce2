"""``python -m app`` is ``numbers-mock``."""

from app.cli.main import main

main()
