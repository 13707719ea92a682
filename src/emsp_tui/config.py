"""Settings: defaults < ``config.toml`` in the config folder < ``EMSP_*`` environment < arguments.

Partners are listed in the same file (``[[partners]]``) so that a user can read and edit them;
their credentials tokens never go there: they live in the data folder's database (owner-only).
"""

from __future__ import annotations

import os
import stat
import tempfile
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, Field, PrivateAttr
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


class SupplierDetails(BaseModel):
    """Us as the seller on invoices (EU VAT directive art. 226: name, address, VAT id)."""

    name: str = "Open eMSP"
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = Field("NL", min_length=2, max_length=2)
    """ISO 3166-1 alpha-2."""
    vat_id: str = ""
    email: str = ""
    iban: str = ""
    bic: str | None = None


class ClassRates(BaseModel):
    """A plan's own prices for one charger class, excl. VAT (0: that part is free)."""

    energy_per_kwh: Decimal = Field(Decimal(0), ge=0)
    time_per_hour: Decimal = Field(Decimal(0), ge=0)
    parking_per_hour: Decimal = Field(Decimal(0), ge=0)
    session_fee: Decimal = Field(Decimal(0), ge=0)


class PricePlan(BaseModel):
    """What a driver pays. Without ``own_rates``: the CPO's tariff price, marked up by
    ``markup_percent`` plus ``session_fee`` per session; with them: our prices per charger
    class (AC, DC, HPC: DC at ``high_power_kw`` or more). Amounts are excl. VAT."""

    description: str = ""
    markup_percent: Decimal = Field(Decimal(0), ge=0)
    session_fee: Decimal = Field(Decimal(0), ge=0)
    own_rates: dict[Literal["AC", "DC", "HPC"], ClassRates] | None = None
    monthly_fee: Decimal = Field(Decimal(0), ge=0)


class BillingSettings(BaseModel):
    """Invoicing: who we are on the documents, the price plans, numbering and payment."""

    supplier: SupplierDetails = Field(default_factory=SupplierDetails)
    default_plan: str = "passthrough"
    """The plan of an account that names none."""
    plans: dict[str, PricePlan] = Field(default_factory=lambda: {"passthrough": PricePlan()})
    """"passthrough" (the CPO's price unchanged) is always there, unless redefined."""
    high_power_kw: Decimal = Decimal(150)
    invoice_series: str = "INV"
    credit_note_series: str = "CN"
    payment_days: int = 14
    """Days from the issue date to the due date."""


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
    ocpi_strict: bool = False
    """Refuse what partners send off-spec (a wrapped object, a null, a missing timeout)
    instead of reading it where the meaning is unambiguous: for conformance checks."""
    billing: BillingSettings = Field(default_factory=BillingSettings)

    _baseline: dict[str, Any] = PrivateAttr(default_factory=dict)
    """What ``save`` compares against: the editable values as loaded (or last saved)."""

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

    def model_post_init(self, context: Any, /) -> None:
        self._baseline = self._editable()

    def _editable(self) -> dict[str, Any]:
        return _leaves(self.model_dump(mode="json", include=SAVED_FIELDS, exclude_none=True))

    def save(self) -> None:
        """Write to config.toml what changed since load (or the last save), nothing else.

        The file is read, only the changed keys are set or removed, and it is replaced
        atomically with its permissions kept: settings the user wrote by hand stay, and values
        that came only from the environment or the command line are never written.
        """
        current = self._editable()
        changed = {k: v for k, v in current.items() if self._baseline.get(k) != v}
        removed = [k for k in self._baseline if k not in current]
        if not changed and not removed:
            return
        path = self.config_file
        doc = read_toml(path) if path.exists() else {}
        for key in removed:
            _remove(doc, key)
        for key, value in changed.items():
            _put(doc, key, value)
        paths.ensure_private_dir(self.config_dir)
        write_atomically(path, tomli_w.dumps(doc))
        self._baseline = current


# What the app may change and save: everything else in config.toml is only ever read.
SAVED_FIELDS = {"identity", "receiver", "partners", "theme", "home"}


def _leaves(doc: dict[str, Any], prefix: tuple[str, ...] = ()) -> dict[str, Any]:
    """``{"receiver": {"port": 1}}`` as ``{"receiver.port": 1}``; lists stay whole."""
    flat: dict[str, Any] = {}
    for key, value in doc.items():
        if isinstance(value, dict):
            flat.update(_leaves(value, (*prefix, key)))
        else:
            flat[".".join((*prefix, key))] = value
    return flat


def _put(doc: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        child = doc.get(part)
        if not isinstance(child, dict):
            child = doc[part] = {}
        doc = child
    doc[last] = value


def _remove(doc: dict[str, Any], dotted: str) -> None:
    """Remove a key, and the tables it leaves empty (``home = None`` drops ``[home]``)."""
    head, _, rest = dotted.partition(".")
    if not rest:
        doc.pop(head, None)
        return
    child = doc.get(head)
    if isinstance(child, dict):
        _remove(child, rest)
        if not child:
            del doc[head]


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (write a sibling, then rename), keeping its mode."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o600  # a new file: owner-only, like its folder
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def demo_profile(settings: Settings, **overrides: Any) -> Settings:
    """The demo's profile: DATA_DIR/demo and CONFIG_DIR/demo beside the user's own.

    ``emsp demo`` runs in it and ``emsp --demo COMMAND`` reads it, so the user's real partners
    are never touched.
    """
    return load_settings(
        data_dir=settings.data_dir / "demo", config_dir=settings.config_dir / "demo", **overrides
    )


def read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)
