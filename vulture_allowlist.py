"""What vulture (the dead-code check, ``[tool.vulture]`` in pyproject.toml) cannot see used:
names that a framework, a command line or a user calls, never our own code.

Each line names the real object, so a rename breaks this file instead of leaving it stale.
Vulture only parses this file; nothing imports or runs it.
"""

from app.control.scenarios import ScenarioResult
from app.control.schemas import Clock, NumberOwner
from app.main import create_app_from_environment
from app.stock.page_query import _CrossJoin, stock_page_statement
from app.web.hot_routes import ExplicitRoute
from app.web.responses import ProviderJSONResponse
from app.web.transport import ConnectionAwareProtocol
from numbers_mock_testing.client import NumbersMock

# Response models' fields, filled by keyword and written by pydantic.
ScenarioResult.numbers_added
ScenarioResult.purchased
NumberOwner.hold_ends_at
Clock.offset_seconds

# Named in uvicorn's command line and config: `app.main:create_app_from_environment`
# (--factory), `app.web.transport:ConnectionAwareProtocol` (--http).
create_app_from_environment
ConnectionAwareProtocol

# Read by the frameworks: FastAPI builds each route's handler with get_route_handler,
# Starlette reads a response class's media_type, SQLAlchemy a construct's inherit_cache.
ExplicitRoute.get_route_handler
ProviderJSONResponse.media_type
_CrossJoin.inherit_cache

# The statement whose plans tests/test_query_plans.py checks on SQLite and PostgreSQL.
stock_page_statement

# The plugin's public API (see the README), which users' tests call.
NumbersMock.clock
NumbersMock.advance_clock
NumbersMock.set_clock
NumbersMock.delete_number
NumbersMock.assert_not_requested
NumbersMock.clear_requests
