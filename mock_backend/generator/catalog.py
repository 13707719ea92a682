"""The parties of the simulated network and each CPO's tariffs.

Operators and websites are fictional (`.example` domains). Tariffs follow shapes seen in the
field: plain per kWh, per kWh plus an idle/blocking fee after a grace period, session fee plus
per kWh, peak/off-peak by time of day, price by power class, free for guests, and an ad-hoc
(credit card) price beside the regular one. Like real CPOs, each sets round prices incl. VAT
(0.49, 0.59, 0.79 EUR/kWh); the tariffs carry them as OCPI wants, excl. VAT: gross / (1 + vat/100)
to 4 decimals, and each gross is one whose excl. price gives it back (excl x (1 + vat/100) is
the gross to 4 decimals; 0.49 at 21 % is not, 0.4050 x 1.21 = 0.49005). VAT is the country's
standard rate, currency EUR, step_size 1 everywhere (errata 89da7e0).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..clock import iso_utc
from .places import BELGIUM, FRANCE, GERMANY, NETHERLANDS, Country

# The default `as_of` of a network: generated objects are dated before it (fixed, so that one
# seed is one network when no start time is given).
ANCHOR_EPOCH = 1_754_006_400  # 2025-08-01T00:00:00Z

_WIRE = Decimal("0.0001")  # excl.-VAT prices carry 4 decimals


@dataclass(frozen=True)
class Prices:
    """What the driver pays, incl. VAT, in EUR (round: set by the CPO's price list)."""

    ac: Decimal  # per kWh
    dc: Decimal
    hpc: Decimal  # >= 50 kW
    peak: Decimal
    off_peak: Decimal
    session_fee: Decimal
    idle_per_hour: Decimal  # blocking fee, per hour (0.10 EUR/min = 6.00 EUR/h)
    ad_hoc: Decimal


def _gross(*prices: str) -> Prices:
    return Prices(*(Decimal(p) for p in prices))


def excl_vat(gross: Decimal, vat: float) -> Decimal:
    """The OCPI (excl. VAT) price of a gross price: gross / (1 + vat/100), 4 decimals."""
    return (gross * 100 / (100 + Decimal(repr(vat)))).quantize(_WIRE, ROUND_HALF_UP)


@dataclass(frozen=True)
class Party:
    country_code: str
    party_id: str
    name: str
    website: str
    role: str  # "CPO" or "HUB"

    @property
    def key(self) -> str:
        """How the command line and the control API name a party: `DE-VOL`, `hub`."""
        return "hub" if self.role == "HUB" else f"{self.country_code}-{self.party_id}"

    @property
    def slug(self) -> str:
        return self.key.lower()


@dataclass(frozen=True)
class CpoSpec(Party):
    country: Country = GERMANY
    weight: int = 1  # share of the network's locations, out of BLOCK
    prices: Prices | None = None
    green_share: float = 0.5  # fraction of locations on a green energy contract
    supplier: str = ""
    green_supplier: str = ""


HUB = Party("NL", "RMH", "RoamMesh Hub B.V.", "https://www.roammesh.example", "HUB")

CPOS: tuple[CpoSpec, ...] = (
    CpoSpec(
        "DE",
        "VOL",
        "Voltwerk Ladenetz GmbH",
        "https://www.voltwerk-laden.example",
        "CPO",
        country=GERMANY,
        weight=8,
        prices=_gross("0.49", "0.65", "0.79", "0.59", "0.39", "0.50", "6.00", "0.85"),
        green_share=0.6,
        supplier="Stadtwerke Mitte",
        green_supplier="Ökostrom Nord",
    ),
    CpoSpec(
        "NL",
        "GLP",
        "GroenLaad Publiek B.V.",
        "https://www.groenlaad.example",
        "CPO",
        country=NETHERLANDS,
        weight=5,
        prices=_gross("0.45", "0.62", "0.75", "0.54", "0.39", "0.50", "6.00", "0.79"),
        green_share=1.0,
        supplier="Windkracht Energie",
        green_supplier="Windkracht Energie",
    ),
    CpoSpec(
        "FR",
        "BRS",
        "Borne Rapide SAS",
        "https://www.borne-rapide.example",
        "CPO",
        country=FRANCE,
        weight=4,
        prices=_gross("0.42", "0.54", "0.66", "0.48", "0.35", "0.60", "4.80", "0.69"),
        green_share=0.3,
        supplier="Énergie Réseau Sud",
        green_supplier="Vent d'Ouest Énergie",
    ),
    CpoSpec(
        "BE",
        "FLC",
        "Flandria Charge NV",
        "https://www.flandriacharge.example",
        "CPO",
        country=BELGIUM,
        weight=3,
        prices=_gross("0.47", "0.67", "0.79", "0.56", "0.39", "0.50", "6.00", "0.85"),
        green_share=0.5,
        supplier="Vlaamse Stroom",
        green_supplier="Zeewind Coöperatie",
    ),
)

BLOCK = sum(c.weight for c in CPOS)  # locations are dealt to CPOs in repeating blocks


def _eur(amount: Decimal, language: str) -> str:
    text = f"{amount.quantize(Decimal('0.01'), ROUND_HALF_UP)}"
    return text if language == "en" else text.replace(".", ",")


def _alt_text(cpo: CpoSpec, local: str, english: str) -> list[dict[str, str]]:
    return [{"language": cpo.country.language, "text": local}, {"language": "en", "text": english}]


def _component(kind: str, gross: Decimal, vat: float) -> dict[str, Any]:
    """A price component for a gross price (JSON-ready: the 4-decimal price as a float)."""
    return {"type": kind, "price": float(excl_vat(gross, vat)), "vat": vat, "step_size": 1}


# Display texts per language; {p} = price incl. VAT, {u} = unit suffix.
_TEXTS = {
    "de": {
        "kwh": "{p} €/kWh inkl. MwSt.",
        "idle": "{p} €/kWh, ab {h} h zusätzlich {m} €/min Standgebühr",
        "fee": "{f} € pro Ladevorgang + {p} €/kWh",
        "peak": "{p} €/kWh (7-22 Uhr), sonst {o} €/kWh",
        "power": "{p} €/kWh bis 50 kW, {q} €/kWh darüber",
        "block": "{p} €/kWh, ab {h} min {m} €/min",
        "free": "Kostenlos für Gäste",
        "adhoc": "{p} €/kWh mit Kreditkarte",
    },
    "nl": {
        "kwh": "€ {p} per kWh incl. btw",
        "idle": "€ {p} per kWh, na {h} uur € {m} per minuut",
        "fee": "€ {f} starttarief + € {p} per kWh",
        "peak": "€ {p} per kWh (7-22 uur), anders € {o}",
        "power": "€ {p} per kWh tot 50 kW, € {q} daarboven",
        "block": "€ {p} per kWh, na {h} min € {m}/min",
        "free": "Gratis voor gasten",
        "adhoc": "€ {p} per kWh met betaalkaart",
    },
    "fr": {
        "kwh": "{p} €/kWh TTC",
        "idle": "{p} €/kWh, puis {m} €/min après {h} h",
        "fee": "{f} € par session + {p} €/kWh",
        "peak": "{p} €/kWh (7h-22h), sinon {o} €/kWh",
        "power": "{p} €/kWh jusqu'à 50 kW, {q} €/kWh au-delà",
        "block": "{p} €/kWh, {m} €/min après {h} min",
        "free": "Gratuit pour les clients",
        "adhoc": "{p} €/kWh par carte bancaire",
    },
    "en": {
        "kwh": "EUR {p} per kWh incl. VAT",
        "idle": "EUR {p} per kWh, EUR {m}/min idle fee after {h} h",
        "fee": "EUR {f} per session + EUR {p} per kWh",
        "peak": "EUR {p} per kWh (7-22h), else EUR {o}",
        "power": "EUR {p} per kWh up to 50 kW, EUR {q} above",
        "block": "EUR {p} per kWh, EUR {m}/min after {h} min",
        "free": "Free of charge for guests",
        "adhoc": "EUR {p} per kWh by payment card",
    },
}


def _texts(cpo: CpoSpec, key: str, **values: Decimal | int) -> list[dict[str, str]]:
    def render(language: str) -> str:
        shown = {
            k: _eur(v, language) if isinstance(v, Decimal) else str(v) for k, v in values.items()
        }
        return _TEXTS[language][key].format(**shown)

    return _alt_text(cpo, render(cpo.country.language), render("en"))


def tariff_ids(cpo: CpoSpec) -> dict[str, str]:
    """Shape name -> tariff id for this CPO."""
    shapes = ("AC-STD", "AC-IDLE", "AC-FEE", "AC-PEAK", "DC-POWER", "DC-BLOCK", "FREE", "ADHOC")
    return {shape: f"{cpo.party_id}-{shape}" for shape in shapes}


def build_tariffs(cpo: CpoSpec, as_of: int = ANCHOR_EPOCH) -> list[dict[str, Any]]:
    """The CPO's tariffs, oldest first by last_updated (10 to 17 days before `as_of`)."""
    p = cpo.prices
    assert p is not None
    vat = cpo.country.vat
    ids = tariff_ids(cpo)
    grace_h, block_min = 4, 45
    shapes: list[tuple[str, dict[str, Any]]] = [
        (
            "AC-STD",
            {
                "elements": [{"price_components": [_component("ENERGY", p.ac, vat)]}],
                "tariff_alt_text": _texts(cpo, "kwh", p=p.ac),
            },
        ),
        (
            "AC-IDLE",
            {
                # Per kWh; after 4 h of session the time not charging costs extra (blocking fee).
                "elements": [
                    {"price_components": [_component("ENERGY", p.ac, vat)]},
                    {
                        "price_components": [_component("PARKING_TIME", p.idle_per_hour, vat)],
                        "restrictions": {"min_duration": grace_h * 3600},
                    },
                ],
                "tariff_alt_text": _texts(cpo, "idle", p=p.ac, m=p.idle_per_hour / 60, h=grace_h),
            },
        ),
        (
            "AC-FEE",
            {
                "elements": [
                    {
                        "price_components": [
                            _component("FLAT", p.session_fee, vat),
                            _component("ENERGY", p.ac, vat),
                        ]
                    }
                ],
                "tariff_alt_text": _texts(cpo, "fee", f=p.session_fee, p=p.ac),
            },
        ),
        (
            "AC-PEAK",
            {
                "elements": [
                    {
                        "price_components": [_component("ENERGY", p.peak, vat)],
                        "restrictions": {"start_time": "07:00", "end_time": "22:00"},
                    },
                    {"price_components": [_component("ENERGY", p.off_peak, vat)]},
                ],
                "tariff_alt_text": _texts(cpo, "peak", p=p.peak, o=p.off_peak),
            },
        ),
        (
            "DC-POWER",
            {
                "type": "REGULAR",
                "elements": [
                    {
                        "price_components": [_component("ENERGY", p.dc, vat)],
                        "restrictions": {"max_power": 50.0},
                    },
                    {
                        "price_components": [_component("ENERGY", p.hpc, vat)],
                        "restrictions": {"min_power": 50.0},
                    },
                    {"price_components": [_component("ENERGY", p.hpc, vat)]},
                ],
                "tariff_alt_text": _texts(cpo, "power", p=p.dc, q=p.hpc),
            },
        ),
        (
            "DC-BLOCK",
            {
                "type": "REGULAR",
                # Per kWh; from minute 45 of the session every minute costs extra, charging or not.
                "elements": [
                    {"price_components": [_component("ENERGY", p.dc, vat)]},
                    {
                        "price_components": [
                            _component("TIME", p.idle_per_hour, vat),
                            _component("PARKING_TIME", p.idle_per_hour, vat),
                        ],
                        "restrictions": {"min_duration": block_min * 60},
                    },
                ],
                "tariff_alt_text": _texts(
                    cpo,
                    "block",
                    p=p.dc,
                    m=p.idle_per_hour / 60,
                    h=block_min,
                ),
            },
        ),
        (
            "FREE",
            {
                "elements": [{"price_components": [_component("FLAT", Decimal(0), vat)]}],
                "tariff_alt_text": _texts(cpo, "free"),
            },
        ),
        (
            "ADHOC",
            {
                "type": "AD_HOC_PAYMENT",
                "elements": [{"price_components": [_component("ENERGY", p.ad_hoc, vat)]}],
                "tariff_alt_text": _texts(cpo, "adhoc", p=p.ad_hoc),
            },
        ),
    ]
    out = []
    for n, (shape, body) in enumerate(shapes):
        tariff: dict[str, Any] = {
            "country_code": cpo.country_code,
            "party_id": cpo.party_id,
            "id": ids[shape],
            "currency": "EUR",
        }
        tariff.update(body)
        # A day apart, the last one ten days before as_of.
        tariff["last_updated"] = iso_utc(as_of - (len(shapes) - n + 9) * 86400)
        out.append(tariff)
    return out
