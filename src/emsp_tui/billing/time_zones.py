"""The time zone of a charging place when all we have is its country (a CDR's location).

OCPI's CdrLocation has no ``time_zone``; tariff restrictions are in the Location's local time.
The caller should pass the stored Location's zone; this is the fallback, for the countries
our partners charge in. A country with several zones gets its mainland one.
"""

from __future__ import annotations

# ISO 3166-1 alpha-3 (as in CdrLocation.country) -> IANA zone: EU, EEA, CH, GB.
COUNTRY_ZONES = {
    "AUT": "Europe/Vienna",
    "BEL": "Europe/Brussels",
    "BGR": "Europe/Sofia",
    "CHE": "Europe/Zurich",
    "CYP": "Asia/Nicosia",
    "CZE": "Europe/Prague",
    "DEU": "Europe/Berlin",
    "DNK": "Europe/Copenhagen",
    "ESP": "Europe/Madrid",
    "EST": "Europe/Tallinn",
    "FIN": "Europe/Helsinki",
    "FRA": "Europe/Paris",
    "GBR": "Europe/London",
    "GRC": "Europe/Athens",
    "HRV": "Europe/Zagreb",
    "HUN": "Europe/Budapest",
    "IRL": "Europe/Dublin",
    "ISL": "Atlantic/Reykjavik",
    "ITA": "Europe/Rome",
    "LIE": "Europe/Vaduz",
    "LTU": "Europe/Vilnius",
    "LUX": "Europe/Luxembourg",
    "LVA": "Europe/Riga",
    "MLT": "Europe/Malta",
    "NLD": "Europe/Amsterdam",
    "NOR": "Europe/Oslo",
    "POL": "Europe/Warsaw",
    "PRT": "Europe/Lisbon",
    "ROU": "Europe/Bucharest",
    "SVK": "Europe/Bratislava",
    "SVN": "Europe/Ljubljana",
    "SWE": "Europe/Stockholm",
}


def zone_of_country(country: str) -> str | None:
    """The IANA zone for an alpha-3 country code, or None when we do not know it."""
    return COUNTRY_ZONES.get(country.upper())
