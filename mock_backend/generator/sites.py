"""Kinds of charging sites and how each looks in the field (names, parking, facilities, hours,
chargers), per language. Pure data plus tiny helpers; `locations.py` assembles a Location."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SiteKind:
    kind: str
    weight: int
    parking: tuple[str, ...]
    facilities: tuple[str, ...]
    hours: str  # "24/7", "shop" (Mon-Sat 07-22), "mall" (Mon-Sat 09-21), "garage" (maybe 06-23:30)
    ac_tariffs: tuple[str, ...]  # tariff shapes for AC connectors (one is picked)
    dc_tariffs: tuple[str, ...]


SITE_KINDS: tuple[SiteKind, ...] = (
    SiteKind(
        "street", 30, ("ON_STREET",), (), "24/7", ("AC-STD", "AC-PEAK", "AC-IDLE"), ("DC-POWER",)
    ),
    SiteKind(
        "supermarket",
        15,
        ("PARKING_LOT",),
        ("SUPERMARKET",),
        "shop",
        ("AC-FEE", "AC-STD"),
        ("DC-BLOCK",),
    ),
    SiteKind(
        "garage",
        12,
        ("PARKING_GARAGE", "UNDERGROUND_GARAGE"),
        ("PARKING_LOT",),
        "garage",
        ("AC-IDLE",),
        ("DC-POWER",),
    ),
    SiteKind(
        "hotel",
        6,
        ("PARKING_LOT",),
        ("HOTEL", "RESTAURANT", "WIFI"),
        "24/7",
        ("FREE",),
        ("DC-POWER",),
    ),
    SiteKind(
        "station",
        7,
        ("PARKING_LOT",),
        ("TRAIN_STATION", "TAXI_STAND", "BIKE_SHARING"),
        "24/7",
        ("AC-STD",),
        ("DC-BLOCK", "DC-POWER"),
    ),
    SiteKind(
        "mall",
        8,
        ("PARKING_GARAGE",),
        ("MALL", "RESTAURANT", "CAFE"),
        "mall",
        ("AC-PEAK",),
        ("DC-POWER",),
    ),
    SiteKind(
        "motorway",
        10,
        ("ALONG_MOTORWAY",),
        ("FUEL_STATION", "RESTAURANT", "CAFE", "WIFI"),
        "24/7",
        ("AC-STD",),
        ("DC-POWER", "DC-BLOCK"),
    ),
    SiteKind("fasthub", 12, ("PARKING_LOT",), ("CAFE", "WIFI"), "24/7", ("AC-STD",), ("DC-POWER",)),
)

KIND_WEIGHTS = tuple(k.weight for k in SITE_KINDS)

# Name templates: {street}, {city}, {dir}, {brand}.
NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "de": {
        "street": ("Ladesäule {street}", "{street} ({city})"),
        "supermarket": ("{brand} {city}", "{brand} {street}"),
        "garage": ("Parkhaus {street}", "Tiefgarage {street}"),
        "hotel": ("Hotel Lindenhof {city}", "Hotel am Park", "Landhotel {city} {dir}"),
        "station": ("P+R {city} Hbf", "Bahnhof {city} {dir}"),
        "mall": ("Einkaufszentrum {city} {dir}", "Stadtgalerie {city}"),
        "motorway": ("Rastanlage {city} {dir}", "Autohof {city}"),
        "fasthub": ("Schnellladepark {city} {dir}", "HPC {city} {street}"),
    },
    "nl": {
        "street": ("Laadpaal {street}", "{street} ({city})"),
        "supermarket": ("{brand} {city}", "{brand} {street}"),
        "garage": ("Parkeergarage {street}", "Parkeergarage Centrum {city}"),
        "hotel": ("Hotel De Linde {city}", "Hotel aan het Park"),
        "station": ("P+R {city} Centraal", "Station {city} {dir}"),
        "mall": ("Winkelcentrum {city} {dir}", "Stadshart {city}"),
        "motorway": ("Tankstation {city} {dir}", "Verzorgingsplaats {city}"),
        "fasthub": ("Snellaadplein {city} {dir}", "Snellader {street}"),
    },
    "fr": {
        "street": ("Borne {street}", "{street} ({city})"),
        "supermarket": ("{brand} {city}", "{brand} {street}"),
        "garage": ("Parking {street}", "Parking souterrain {city} Centre"),
        "hotel": ("Hôtel du Parc {city}", "Hôtel Les Tilleuls"),
        "station": ("Parking Gare de {city}", "Gare de {city} {dir}"),
        "mall": ("Centre Commercial {city} {dir}", "Galerie {city}"),
        "motorway": ("Aire de {city} {dir}", "Aire de service de {city}"),
        "fasthub": ("Station de recharge rapide {city} {dir}", "Hub rapide {street}"),
    },
}

DIRECTIONS_WORDS = {
    "de": ("Nord", "Süd", "Ost", "West"),
    "nl": ("Noord", "Zuid", "Oost", "West"),
    "fr": ("Nord", "Sud", "Est", "Ouest"),
}

BRANDS = {"de": "Frischmarkt", "nl": "Versmarkt", "fr": "Marché Frais"}
OWNER_BRANDS = {
    "supermarket": {
        "de": "Frischmarkt Handels GmbH",
        "nl": "Versmarkt B.V.",
        "fr": "Marché Frais SA",
    },
    "hotel": {
        "de": "Lindenhof Hotels GmbH",
        "nl": "De Linde Hotels B.V.",
        "fr": "Hôtels du Parc SARL",
    },
}

GARAGE_DIRECTIONS = {
    "de": "Einfahrt über die {street}, Ladeplätze auf Ebene {floor}",
    "nl": "Inrit via {street}, laadplekken op niveau {floor}",
    "fr": "Entrée par {street}, bornes au niveau {floor}",
}
