"""The control API's caller check: ``Authorization: Bearer <NUMBERS_MOCK_ADMIN_KEY>``."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.tokens import bearer_token
from app.errors import InvalidAdminKey, InvalidToken
from app.web.context import ContextDep

_admin_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="AdminKey",
    description="The control API's key: NUMBERS_MOCK_ADMIN_KEY (a development default when "
    "unset; the server warns about it at start).",
)


def admin_access(
    request: Request,
    context: ContextDep,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Security(_admin_bearer)],
) -> None:
    """The control API's caller must send ``Authorization: Bearer <NUMBERS_MOCK_ADMIN_KEY>``."""
    expected = context.settings.admin_key.get_secret_value().encode()
    try:
        key = bearer_token(request.headers.getlist("authorization"), hint="")
    except InvalidToken as refused:
        problem = refused.message
    else:
        if hmac.compare_digest(key.encode(), expected):
            return
        problem = "the admin key is wrong"
    raise InvalidAdminKey(
        f"the control API needs `Authorization: Bearer <admin key>`: {problem}",
        fix="send the server's NUMBERS_MOCK_ADMIN_KEY as a bearer token (the server logs "
        "whether it uses the development default)",
    )
