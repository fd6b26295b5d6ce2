"""All configuration, read from ``NUMBERS_MOCK_*`` environment variables."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.auth.keys import SUPPORTED_ALGORITHMS, is_url

# Development defaults: fine on a laptop, never for a shared environment. The server warns
# loudly at start when the secret is this one.
DEVELOPMENT_JWT_SECRET = "numbers-mock-development-secret-change-me-0123456789"
DEFAULT_DATABASE_URL = "sqlite:///./numbers-mock.db"
DEFAULT_SEED = 20260101
DEVELOPMENT_ADMIN_KEY = "numbers-mock-development-admin-key"


class Settings(BaseSettings):
    """numbers-mock's settings; every field is ``NUMBERS_MOCK_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="NUMBERS_MOCK_", extra="ignore", frozen=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the inventory; a SQLite file in the working directory "
        "by default, e.g. postgresql+psycopg://user@host/db for replicas.",
    )
    jwt_secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_JWT_SECRET),
        description="HS256 secret that signs bearer tokens and seals page tokens.",
    )
    jwt_issuer: str = Field(default="numbers-mock", description="Required `iss` claim.")
    jwt_audience: str = Field(default="numbers-mock", description="Required `aud` claim.")
    jwt_leeway_seconds: int = Field(
        default=30, ge=0, le=600, description="Clock skew allowed on exp/nbf/iat."
    )
    jwt_public_key: Path | None = Field(
        default=None,
        description="PEM file of an RSA or EC public key: tokens signed with its private key "
        "(RS256, ES256, ...) are accepted. Loaded once at start.",
    )
    jwt_jwks_allow_url: bool = Field(
        default=False,
        description="Let NUMBERS_MOCK_JWT_JWKS be an http(s) URL, fetched once at start.",
    )
    jwt_jwks: str | None = Field(
        default=None,
        description="A JWKS file (or URL, with NUMBERS_MOCK_JWT_JWKS_ALLOW_URL): tokens name "
        "their key with the kid header. Loaded once at start.",
    )
    jwt_algorithms: Annotated[tuple[str, ...] | None, NoDecode] = Field(
        default=None,
        description="Accepted JWT algorithms, comma-separated. By default HS256 alone, or the "
        "public keys' algorithms when NUMBERS_MOCK_JWT_PUBLIC_KEY or NUMBERS_MOCK_JWT_JWKS is "
        "set (HS256 then only when listed).",
    )
    seed: int = Field(default=DEFAULT_SEED, description="Seed of the inventory generator.")
    seed_count: int | None = Field(
        default=None,
        ge=1,
        description="Numbers in the seeded inventory; the seed data's default when unset.",
    )

    control_api: bool = Field(
        default=True,
        description="Serve the control API under /_mock (faults, stock, journal, reset).",
    )
    admin_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_ADMIN_KEY),
        description="Bearer key of the control API.",
    )
    scenario: Path | None = Field(
        default=None,
        description="A scenario file played after start (reset to the seed, then the story).",
    )
    journal_size: int = Field(
        default=10_000, ge=1, description="Requests the journal keeps; the oldest go first."
    )

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough_for_hs256(cls, secret: SecretStr) -> SecretStr:
        if len(secret.get_secret_value().encode()) < 32:
            raise ValueError(
                "NUMBERS_MOCK_JWT_SECRET must be at least 32 bytes long (HS256 keys shorter "
                "than the hash are weak, RFC 7518 section 3.2)"
            )
        return secret

    @field_validator("jwt_jwks")
    @classmethod
    def _jwks_is_a_file_unless_urls_are_allowed(
        cls, jwks: str | None, info: ValidationInfo
    ) -> str | None:
        if jwks is None:
            return None
        if info.data.get("jwt_public_key") is not None:
            raise ValueError(
                "NUMBERS_MOCK_JWT_JWKS and NUMBERS_MOCK_JWT_PUBLIC_KEY are both set; set only "
                "one of them"
            )
        if is_url(jwks) and not info.data.get("jwt_jwks_allow_url"):
            raise ValueError(
                "NUMBERS_MOCK_JWT_JWKS is a URL; set NUMBERS_MOCK_JWT_JWKS_ALLOW_URL=true to "
                "fetch it once at start, or download it to a file"
            )
        if "://" in jwks and not is_url(jwks):
            raise ValueError("NUMBERS_MOCK_JWT_JWKS must be a file path or an http(s) URL")
        return jwks

    @field_validator("jwt_algorithms", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value

    @field_validator("jwt_algorithms")
    @classmethod
    def _known_algorithms(cls, algorithms: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if algorithms is None:
            return None
        if not algorithms:
            raise ValueError("NUMBERS_MOCK_JWT_ALGORITHMS lists no algorithm")
        for algorithm in algorithms:
            if algorithm.lower() == "none":
                raise ValueError("unsigned tokens (alg none) are never accepted")
            if algorithm not in SUPPORTED_ALGORITHMS:
                raise ValueError(
                    f"{algorithm!r} is not supported; choose from {', '.join(SUPPORTED_ALGORITHMS)}"
                )
        return algorithms

    @property
    def uses_development_secret(self) -> bool:
        return self.jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET

    @property
    def uses_development_admin_key(self) -> bool:
        return self.admin_key.get_secret_value() == DEVELOPMENT_ADMIN_KEY

    @property
    def jwt_secret_fingerprint(self) -> str:
        """A short, non-reversible name for the secret, safe to log."""
        digest = hashlib.sha256(self.jwt_secret.get_secret_value().encode()).hexdigest()
        return f"sha256:{digest[:12]}"
