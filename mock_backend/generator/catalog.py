"""The parties of the simulated network and each CPO's tariffs.

Operators and websites are fictional (`.example` domains). Tariffs follow shapes seen in the
field: plain per kWh, per kWh plus an idle/blocking fee after a grace period, session fee plus
per kWh, peak/off-peak by time of day, price by power class, free for guests, and an ad-hoc
(credit card) price beside the regular one. Prices are excl. VAT (OCPI), VAT is the country's
standard rate, currency EUR, step_size 1 everywhere (errata 89da7e0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..clock import iso_utc
from .places import BELGIUM, FRANCE, GERMANY, NETHERLANDS, Country

# Generated objects are dated before this instant (fixed, so that one seed is one network).
ANCHOR_EPOCH = 1_754_006_400  # 2025-08-01T00:00:00Z


@dataclass(frozen=True)
class Prices:
    ac: float  # per kWh, excl. VAT
    dc: float
    hpc: float  # >= 100 kW
    peak: float
    off_peak: float
    session_fee: float
    idle_per_hour: float  # blocking fee, per hour (0.10 EUR/min = 6.00 EUR/h)
    ad_hoc: float


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
        prices=Prices(0.42, 0.55, 0.66, 0.48, 0.36, 0.35, 6.00, 0.69),
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
        prices=Prices(0.37, 0.52, 0.62, 0.43, 0.31, 0.30, 6.00, 0.65),
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
        prices=Prices(0.35, 0.45, 0.55, 0.40, 0.29, 0.50, 4.80, 0.59),
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
        prices=Prices(0.40, 0.55, 0.65, 0.46, 0.33, 0.40, 6.00, 0.70),
        green_share=0.5,
        supplier="Vlaamse Stroom",
        green_supplier="Zeewind Coöperatie",
    ),
)

BLOCK = sum(c.weight for c in CPOS)  # locations are dealt to CPOs in repeating blocks


def _eur(amount: float, language: str) -> str:
    text = f"{amount:.2f}"
    return text if language == "en" else text.replace(".", ",")


def _alt_text(cpo: CpoSpec, local: str, english: str) -> list[dict[str, str]]:
    return [{"language": cpo.country.language, "text": local}, {"language": "en", "text": english}]


def _component(kind: str, price: float, vat: float) -> dict[str, Any]:
    return {"type": kind, "price": price, "vat": vat, "step_size": 1}


def _incl(price: float, vat: float) -> float:
    return round(price * (1 + vat / 100), 2)


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


def _texts(cpo: CpoSpec, key: str, **values: float) -> list[dict[str, str]]:
    def render(language: str) -> str:
        shown = {
            k: _eur(v, language) if isinstance(v, float) else str(v) for k, v in values.items()
        }
        return _TEXTS[language][key].format(**shown)

    return _alt_text(cpo, render(cpo.country.language), render("en"))


def tariff_ids(cpo: CpoSpec) -> dict[str, str]:
    """Shape name -> tariff id for this CPO."""
    shapes = ("AC-STD", "AC-IDLE", "AC-FEE", "AC-PEAK", "DC-POWER", "DC-BLOCK", "FREE", "ADHOC")
    return {shape: f"{cpo.party_id}-{shape}" for shape in shapes}


def build_tariffs(cpo: CpoSpec) -> list[dict[str, Any]]:
    """The CPO's tariffs, oldest first by last_updated (all before ANCHOR_EPOCH)."""
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
                "tariff_alt_text": _texts(cpo, "kwh", p=_incl(p.ac, vat)),
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
                "tariff_alt_text": _texts(
                    cpo, "idle", p=_incl(p.ac, vat), m=_incl(p.idle_per_hour / 60, vat), h=grace_h
                ),
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
                "tariff_alt_text": _texts(
                    cpo, "fee", f=_incl(p.session_fee, vat), p=_incl(p.ac, vat)
                ),
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
                "tariff_alt_text": _texts(
                    cpo, "peak", p=_incl(p.peak, vat), o=_incl(p.off_peak, vat)
                ),
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
                "tariff_alt_text": _texts(cpo, "power", p=_incl(p.dc, vat), q=_incl(p.hpc, vat)),
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
                    p=_incl(p.dc, vat),
                    m=_incl(p.idle_per_hour / 60, vat),
                    h=block_min,
                ),
            },
        ),
        (
            "FREE",
            {
                "elements": [{"price_components": [_component("FLAT", 0.0, vat)]}],
                "tariff_alt_text": _texts(cpo, "free"),
            },
        ),
        (
            "ADHOC",
            {
                "type": "AD_HOC_PAYMENT",
                "elements": [{"price_components": [_component("ENERGY", p.ad_hoc, vat)]}],
                "tariff_alt_text": _texts(cpo, "adhoc", p=_incl(p.ad_hoc, vat)),
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
        # A week apart, the last one ten days before the anchor.
        tariff["last_updated"] = iso_utc(ANCHOR_EPOCH - (len(shapes) - n + 9) * 86400)
        out.append(tariff)
    return out
