"""What the station screens need to ask for stations, exported from the service layer so the
UI never imports the store: the query, the facility names, the "whole earth" radius."""

from __future__ import annotations

from ..store.location_index import FACILITIES
from ..store.search import SearchQuery
from ..store.search_near import HALF_CIRCUMFERENCE_KM

WHOLE_EARTH_KM = HALF_CIRCUMFERENCE_KM  # a search radius this large means "no radius"

__all__ = ["FACILITIES", "WHOLE_EARTH_KM", "SearchQuery"]
