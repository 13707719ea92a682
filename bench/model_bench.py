"""What validating partner objects costs: the OCPI models' rules (issue #11) on the sync's path.

    .venv/bin/python bench/model_bench.py [--evses 40] [--number 50] [--repeat 5]

Validates the spec's Location example with its first EVSE copied ``--evses`` times (three
connectors each), and the example as it is; prints the best of ``--repeat`` runs of
``--number`` validations, per object. A sync validates hundreds of thousands of these.
"""

from __future__ import annotations

import argparse
import json
import timeit
from pathlib import Path
from typing import Any

from emsp_tui.ocpi.models import Location

EXAMPLE = Path(__file__).resolve().parent.parent / "tests/data/ocpi/examples/location_example.json"


def widened(location: dict[str, Any], evses: int) -> dict[str, Any]:
    evse = location["evses"][0]
    return {
        **location,
        "evses": [
            {
                **evse,
                "uid": f"E{i}",
                "connectors": [{**evse["connectors"][0], "id": str(j)} for j in range(3)],
            }
            for i in range(evses)
        ],
    }


def per_object(data: dict[str, Any], number: int, repeat: int) -> float:
    Location.model_validate(data)  # warm up
    runs = timeit.repeat(lambda: Location.model_validate(data), number=number, repeat=repeat)
    return min(runs) / number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evses", type=int, default=40)
    parser.add_argument("--number", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    big = per_object(widened(example, args.evses), args.number, args.repeat)
    small = per_object(example, args.number * 20, args.repeat)
    print(f"Location, {args.evses} EVSEs x 3 connectors  {big * 1e6:8.1f} us")
    print(f"Location, the spec's example        {small * 1e6:8.1f} us")


if __name__ == "__main__":
    main()
