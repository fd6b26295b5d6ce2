"""A numbers-mock server the plugin's tests share, started the way the plugin starts one.

(``pytester`` is enabled in the test modules: pytest refuses ``pytest_plugins`` in a conftest
below the rootdir's when the whole suite runs from the repository root.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from numbers_mock_testing.server import LaunchedServer, launch_server


@pytest.fixture(scope="session")
def launched_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaunchedServer]:
    """A server for the session; it must stop cleanly at the end (exit status 0)."""
    server = launch_server(tmp_path_factory.mktemp("launched"), seed_count=2000)
    try:
        yield server
    finally:
        exit_status = server.stop()
    assert exit_status == 0, "SIGTERM should end `numbers-mock serve` with status 0"
    assert server.stop() == 0  # stopping twice is harmless
