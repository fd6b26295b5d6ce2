"""Drive a numbers-mock server from tests: the ``numbers_mock`` pytest fixture and its client.

- ``NumbersMock``: a typed client of the server's control API (``/_mock``), standard library
  only: it scripts failures (``fail_next``, ``delay``), reads the journal (``requests``, as
  ``JournalEntry``) and checks it (``assert_requested``). ``TransportFault`` and
  ``DelayDistribution`` are the kinds its ``fault`` and ``distribution`` take.
- ``launch_server`` / ``running_server``: start ``numbers-mock serve`` as a child process with
  a temporary database and random secrets (what the fixture does), for other test runners.
  They start, wait for and stop it with ``numbers_mock_testing.process``, which starts any
  server command the same way (its own process group, ready on ``/healthz``, no orphans).
- The pytest plugin (``numbers_mock_testing.plugin``, loaded through its entry point): the
  ``numbers_mock`` fixture and the ``--numbers-mock-*`` options.

Nothing here imports the server package (``app``), directly or indirectly, so this package is
safe to load into any test process, whatever that process calls its own modules.
"""

from numbers_mock_testing.client import (
    ControlApiError,
    DelayDistribution,
    JournalEntry,
    NumbersMock,
    NumbersMockError,
    ServerUnreachable,
    TransportFault,
)
from numbers_mock_testing.server import (
    LaunchedServer,
    ServerStartError,
    launch_server,
    running_server,
)

__all__ = [
    "ControlApiError",
    "DelayDistribution",
    "JournalEntry",
    "LaunchedServer",
    "NumbersMock",
    "NumbersMockError",
    "ServerStartError",
    "ServerUnreachable",
    "TransportFault",
    "launch_server",
    "running_server",
]
