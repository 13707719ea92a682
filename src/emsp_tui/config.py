"""Settings: defaults < ``config.toml`` in the config folder < ``EMSP_*`` environment < arguments.

Partners are listed in the same file (``[[partners]]``) so that a user can read and edit them;
their credentials tokens never go there: they live in the data folder's database (owner-only).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from . import paths

CONFIG_FILE = "config.toml"


class Identity(BaseModel):
    """Who we are on the roaming network."""

    country_code: str = Field("NL", min_length=2, max_length=2)
    """ISO 3166 alpha-2 country code of our eMSP party."""
    party_id: str = Field("EMS", min_length=3, max_length=3)
    """Our party id (ISO 15118)."""
    name: str = "Open eMSP"
    """Business name shown to partners."""
    website: str | None = None


class ReceiverSettings(BaseModel):
    """The eMSP's own OCPI endpoints."""

    host: str = "127.0.0.1"
    """Interface to listen on."""
    port: int = 8420
    """TCP port; 0 picks a free one (fine for demos, not for real partners)."""
    public_url: str | None = None
    """Base URL partners reach us at; defaults to http://host:port."""


class PartnerEntry(BaseModel):
    """A roaming partner (hub or CPO) we are connected to."""

    name: str
    versions_url: str


class HomePosition(BaseModel):
    """Where distances are measured from: a city or coordinates (a terminal has no GPS)."""

    label: str
    """What the driver typed it as: "Amsterdam", "52.3700,4.9000"."""
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class Settings(BaseSettings):
    """Application settings."""

    model_config = SettingsConfigDict(env_prefix="EMSP_", env_nested_delimiter="__", extra="ignore")

    config_dir: Path = Field(default_factory=paths.config_dir)
    """Folder of config.toml."""
    data_dir: Path = Field(default_factory=paths.data_dir)
    """Folder of the database (credentials, locations, sessions...)."""
    identity: Identity = Field(default_factory=Identity)
    receiver: ReceiverSettings = Field(default_factory=ReceiverSettings)
    partners: list[PartnerEntry] = Field(default_factory=list)
    theme: str = "textual-dark"
    """Textual theme name."""
    home: HomePosition | None = None
    """The driver's position for distances and "nearest first"; None until they set one."""
    sync_concurrency: int = 4
    """How many partners sync at once."""
    sync_workers: int | None = None
    """Processes that decode and validate large location pages during a sync (0: none;
    default: 2, or none on a single core, where they could only add work)."""
    request_timeout: float = 30.0
    """Seconds to wait for a partner's answer before giving up on that request."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _TomlSource(settings_cls, init_settings)

    @property
    def config_file(self) -> Path:
        return self.config_dir / CONFIG_FILE

    @property
    def database_path(self) -> Path:
        return self.data_dir / "emsp.sqlite3"

    def save(self) -> None:
        """Write what a user may edit to config.toml: identity, receiver, partners, theme, home."""
        paths.ensure_private_dir(self.config_dir)
        doc: dict[str, Any] = self.model_dump(
            mode="json",
            include={"identity", "receiver", "partners", "theme", "home"},
            exclude_none=True,
        )
        self.config_file.write_text(tomli_w.dumps(doc))


class _TomlSource(TomlConfigSettingsSource):
    """Reads config.toml from whichever config folder the arguments or environment chose."""

    def __init__(self, settings_cls: type[BaseSettings], init: PydanticBaseSettingsSource) -> None:
        chosen = init().get("config_dir")
        folder = Path(chosen) if chosen else paths.config_dir()
        super().__init__(settings_cls, toml_file=folder / CONFIG_FILE)


def load_settings(**overrides: Any) -> Settings:
    """Load settings once (in cli.py); overrides are command-line values."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)


def read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)
