"""All configuration, read from ``NUMBERS_MOCK_*`` environment variables."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
