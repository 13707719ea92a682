"""Where the driver is: a city name or coordinates (a terminal has no GPS).

A small built-in table of European cities (centre coordinates, WGS84) covers the places a
driver types; anything else is given as ``52.37,4.90``.
"""

from __future__ import annotations

import re
import unicodedata

from ..config import HomePosition

# name, latitude, longitude (city centres)
CITIES: tuple[tuple[str, float, float], ...] = (
    ("Amsterdam", 52.367573, 4.904139), ("Rotterdam", 51.924420, 4.477733),
    ("Den Haag", 52.070498, 4.300700), ("Utrecht", 52.090737, 5.121420),
    ("Eindhoven", 51.441642, 5.469722), ("Groningen", 53.219383, 6.566502),
    ("Tilburg", 51.555100, 5.091300), ("Almere", 52.350785, 5.264702),
    ("Breda", 51.571915, 4.768323), ("Nijmegen", 51.842572, 5.852823),
    ("Berlin", 52.520008, 13.404954), ("Hamburg", 53.551086, 9.993682),
    ("München", 48.137154, 11.576124), ("Köln", 50.937531, 6.960279),
    ("Frankfurt am Main", 50.110924, 8.682127), ("Stuttgart", 48.775846, 9.182932),
    ("Düsseldorf", 51.227741, 6.773456), ("Leipzig", 51.339695, 12.373075),
    ("Dresden", 51.050409, 13.737262), ("Hannover", 52.375892, 9.732010),
    ("Nürnberg", 49.452103, 11.076665), ("Bremen", 53.079296, 8.801694),
    ("Paris", 48.856613, 2.352222), ("Lyon", 45.764043, 4.835659),
    ("Marseille", 43.296482, 5.369780), ("Toulouse", 43.604652, 1.444209),
    ("Lille", 50.629250, 3.057256), ("Bordeaux", 44.837789, -0.579180),
    ("Nantes", 47.218371, -1.553621), ("Strasbourg", 48.573405, 7.752111),
    ("Montpellier", 43.610769, 3.876716), ("Rennes", 48.117266, -1.677793),
    ("Brussel", 50.850346, 4.351721), ("Antwerpen", 51.219448, 4.402464),
    ("Gent", 51.054342, 3.717424), ("Brugge", 51.209348, 3.224700),
    ("Leuven", 50.879844, 4.700518), ("Liège", 50.632557, 5.579666),
    ("Namur", 50.467388, 4.871985), ("Hasselt", 50.930690, 5.332480),
    ("Luxembourg", 49.611621, 6.131935), ("Wien", 48.208174, 16.373819),
    ("Zürich", 47.376887, 8.541694), ("København", 55.676098, 12.568337),
    ("Stockholm", 59.329323, 18.068581), ("Oslo", 59.913869, 10.752245),
    ("Milano", 45.464204, 9.189982), ("Roma", 41.902784, 12.496366),
    ("Madrid", 40.416775, -3.703790), ("Barcelona", 41.385064, 2.173404),
    ("Lisboa", 38.722252, -9.139337), ("London", 51.507351, -0.127758),
    ("Dublin", 53.349805, -6.260310), ("Praha", 50.075538, 14.437800),
    ("Warszawa", 52.229676, 21.012229),
)  # fmt: skip

# Other names drivers type for the same places.
ALIASES = {
    "the hague": "Den Haag", "s-gravenhage": "Den Haag", "munich": "München",
    "cologne": "Köln", "frankfurt": "Frankfurt am Main", "nuremberg": "Nürnberg",
    "brussels": "Brussel", "bruxelles": "Brussel", "antwerp": "Antwerpen", "anvers": "Antwerpen",
    "ghent": "Gent", "bruges": "Brugge", "louvain": "Leuven", "luik": "Liège",
    "vienna": "Wien", "zurich": "Zürich", "copenhagen": "København", "milan": "Milano",
    "rome": "Roma", "lisbon": "Lisboa", "prague": "Praha", "warsaw": "Warszawa",
}  # fmt: skip

_COORDS = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


_BY_NAME = {fold(name): (name, lat, lon) for name, lat, lon in CITIES}
_BY_NAME.update({fold(alias): _BY_NAME[fold(name)] for alias, name in ALIASES.items()})


def city_names() -> list[str]:
    return sorted(name for name, _, _ in CITIES)


def parse_position(text: str) -> HomePosition:
    """A city from the table (any case, accents optional) or ``lat,lon``; ValueError if neither."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("type a city name or coordinates like 52.37,4.90")
    match = _COORDS.match(cleaned)
    if match:
        lat, lon = float(match.group(1)), float(match.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError("latitude must be within ±90 and longitude within ±180")
        return HomePosition(label=f"{lat:.4f},{lon:.4f}", latitude=lat, longitude=lon)
    found = _BY_NAME.get(fold(cleaned))
    if found is None:
        raise ValueError(
            f"unknown place {cleaned!r}: type a larger city nearby, or coordinates like 52.37,4.90"
        )
    name, lat, lon = found
    return HomePosition(label=name, latitude=lat, longitude=lon)
