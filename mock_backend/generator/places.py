"""Geography for the generator: cities with real centre coordinates, street names, postal codes.

Coordinates are city centres (WGS84); the generator scatters sites a few km around them. Postal
code ranges are the real ones of each city (roughly), formatted per country.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class City:
    name: str
    lat: float
    lon: float
    postal_lo: int  # first postal code (number part) of the city
    postal_hi: int  # last one
    spread: float = 0.035  # degrees of scatter around the centre (~3-4 km)


@dataclass(frozen=True)
class Country:
    alpha2: str
    alpha3: str
    time_zone: str
    vat: float  # standard VAT rate in percent
    language: str  # ISO 639-1, for DisplayTexts
    cities: tuple[City, ...]
    streets: tuple[str, ...]
    number_first: bool = False  # "12 Rue Pasteur" (FR) vs "Hauptstraße 12"

    def address(self, rng: Any) -> str:
        street = rng.pick(self.streets)
        number = rng.between(1, 180)
        number_text = f"{number}{rng.pick('abc')}" if rng.random() < 0.08 else str(number)
        return f"{number_text} {street}" if self.number_first else f"{street} {number_text}"

    def postal_code(self, city: City, rng: Any) -> str:
        number = rng.between(city.postal_lo, city.postal_hi)
        if self.alpha2 == "NL":
            # Dutch codes: 4 digits, a space, 2 letters (SA, SD and SS are never issued).
            while True:
                letters = rng.pick("ABCDEGHJKLMNPRSTVWXZ") + rng.pick("ABCDEGHJKLMNPRSTVWXZ")
                if letters not in ("SA", "SD", "SS"):
                    return f"{number:04d} {letters}"
        if self.alpha2 == "BE":
            return f"{number:04d}"
        return f"{number:05d}"


GERMANY = Country(
    "DE",
    "DEU",
    "Europe/Berlin",
    19.0,
    "de",
    (
        City("Berlin", 52.520008, 13.404954, 10115, 14199, 0.06),
        City("Hamburg", 53.551086, 9.993682, 20095, 22769, 0.05),
        City("München", 48.137154, 11.576124, 80331, 81929, 0.045),
        City("Köln", 50.937531, 6.960279, 50667, 51149),
        City("Frankfurt am Main", 50.110924, 8.682127, 60306, 60599),
        City("Stuttgart", 48.775846, 9.182932, 70173, 70629),
        City("Düsseldorf", 51.227741, 6.773456, 40210, 40629),
        City("Leipzig", 51.339695, 12.373075, 4103, 4357),
        City("Dresden", 51.050409, 13.737262, 1067, 1328),
        City("Hannover", 52.375892, 9.732010, 30159, 30669),
        City("Nürnberg", 49.452103, 11.076665, 90402, 90491),
        City("Bremen", 53.079296, 8.801694, 28195, 28779),
    ),
    (
        "Hauptstraße",
        "Bahnhofstraße",
        "Schillerstraße",
        "Goethestraße",
        "Friedrichstraße",
        "Lindenallee",
        "Gartenstraße",
        "Bergstraße",
        "Kirchweg",
        "Am Markt",
        "Mozartstraße",
        "Industriestraße",
        "Ringstraße",
        "Parkstraße",
        "Schulstraße",
        "Waldweg",
        "Am Hafen",
        "Kaiserstraße",
        "Poststraße",
        "Rosenweg",
        "Breite Straße",
        "Lessingstraße",
    ),
)

NETHERLANDS = Country(
    "NL",
    "NLD",
    "Europe/Amsterdam",
    21.0,
    "nl",
    (
        City("Amsterdam", 52.367573, 4.904139, 1011, 1109, 0.045),
        City("Rotterdam", 51.924420, 4.477733, 3011, 3089, 0.04),
        City("Den Haag", 52.070498, 4.300700, 2491, 2597),
        City("Utrecht", 52.090737, 5.121420, 3511, 3585),
        City("Eindhoven", 51.441642, 5.469722, 5611, 5658),
        City("Groningen", 53.219383, 6.566502, 9711, 9747),
        City("Tilburg", 51.555100, 5.091300, 5011, 5049),
        City("Almere", 52.350785, 5.264702, 1311, 1363),
        City("Breda", 51.571915, 4.768323, 4811, 4839),
        City("Nijmegen", 51.842572, 5.852823, 6511, 6546),
    ),
    (
        "Kerkstraat",
        "Stationsweg",
        "Dorpsstraat",
        "Molenweg",
        "Julianalaan",
        "Beatrixlaan",
        "Industrieweg",
        "Schoolstraat",
        "Marktplein",
        "Parallelweg",
        "Wilhelminastraat",
        "Nieuwstraat",
        "Havenweg",
        "Kastanjelaan",
        "Zuiderpark",
        "Oranjestraat",
        "Lindelaan",
    ),
)

FRANCE = Country(
    "FR",
    "FRA",
    "Europe/Paris",
    20.0,
    "fr",
    (
        City("Paris", 48.856613, 2.352222, 75001, 75020, 0.05),
        City("Lyon", 45.764043, 4.835659, 69001, 69009),
        City("Marseille", 43.296482, 5.369780, 13001, 13016, 0.05),
        City("Toulouse", 43.604652, 1.444209, 31000, 31500),
        City("Lille", 50.629250, 3.057256, 59000, 59800),
        City("Bordeaux", 44.837789, -0.579180, 33000, 33800),
        City("Nantes", 47.218371, -1.553621, 44000, 44300),
        City("Strasbourg", 48.573405, 7.752111, 67000, 67200),
        City("Montpellier", 43.610769, 3.876716, 34000, 34090),
        City("Rennes", 48.117266, -1.677793, 35000, 35700),
    ),
    (
        "Rue de la République",
        "Avenue Jean Jaurès",
        "Boulevard Victor Hugo",
        "Rue du Général de Gaulle",
        "Place de la Gare",
        "Rue Pasteur",
        "Avenue de la Libération",
        "Rue Victor Hugo",
        "Rue de l'Église",
        "Allée des Tilleuls",
        "Boulevard Gambetta",
        "Rue Nationale",
        "Avenue Foch",
        "Rue des Écoles",
        "Quai du Port",
    ),
    number_first=True,
)

BELGIUM = Country(
    "BE",
    "BEL",
    "Europe/Brussels",
    21.0,
    "nl",
    (
        City("Brussel", 50.850346, 4.351721, 1000, 1210, 0.04),
        City("Antwerpen", 51.219448, 4.402464, 2000, 2660, 0.04),
        City("Gent", 51.054342, 3.717424, 9000, 9052),
        City("Brugge", 51.209348, 3.224700, 8000, 8310),
        City("Leuven", 50.879844, 4.700518, 3000, 3012),
        City("Liège", 50.632557, 5.579666, 4000, 4032),
        City("Namur", 50.467388, 4.871985, 5000, 5101),
        City("Hasselt", 50.930690, 5.332480, 3500, 3512),
    ),
    (
        "Stationsstraat",
        "Kerkstraat",
        "Grote Markt",
        "Leopoldlaan",
        "Rue de la Station",
        "Avenue Louise",
        "Nieuwstraat",
        "Dorpsstraat",
        "Rue du Marché",
        "Koningin Astridlaan",
        "Boulevard d'Avroy",
        "Molenstraat",
        "Kapelstraat",
        "Vaartkaai",
    ),
)
