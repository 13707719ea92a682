"""Vehicles: a small catalogue of common European EVs, and who plugs in (SoC, plans).

Figures are rounded public specs (usable battery, on-board AC charger, DC peak). Charging curves
are fractions of the peak power by state of charge, linear between points: DC flat to ~50-55 %,
gently down to ~80 %, then a steep taper to near zero at 100 %; AC flat until ~94 %.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Curve = tuple[tuple[float, float], ...]  # (state of charge %, fraction of the peak power)

AC_CURVE: Curve = ((0.0, 1.0), (94.0, 1.0), (97.0, 0.65), (100.0, 0.15))

CCS = "IEC_62196_T2_COMBO"
CHADEMO = "CHADEMO"
_AC_STANDARDS_ANY_CAR = ("IEC_62196_T2", "IEC_60309", "DOMESTIC_")  # Type 2 inlet + cables


def dc_shape(plateau_end: float, at_80: float) -> Curve:
    """The usual DC shape: full power up to `plateau_end` %, `at_80` of it at 80 %."""
    return (
        (0.0, 0.75),
        (6.0, 1.0),
        (plateau_end, 1.0),
        (80.0, at_80),
        (90.0, at_80 * 0.5),
        (95.0, at_80 * 0.28),
        (100.0, 0.03),
    )


DC_CURVE = dc_shape(52.0, 0.5)


def curve_at(curve: Curve, soc: float) -> float:
    """Linear interpolation of a curve, clamped at both ends."""
    if soc <= curve[0][0]:
        return curve[0][1]
    for (s0, f0), (s1, f1) in itertools.pairwise(curve):
        if soc <= s1:
            return f0 + (f1 - f0) * (soc - s0) / (s1 - s0)
    return curve[-1][1]


@dataclass(frozen=True)
class Vehicle:
    model: str
    battery_kwh: float  # usable capacity
    ac_phases: int  # phases the on-board charger can use (1 or 3)
    ac_max_amps: float  # per phase
    ac_max_kw: float  # on-board charger limit
    dc_max_kw: float  # peak DC power (0: no DC inlet)
    dc_inlet: str | None  # CCS, CHADEMO or None
    pack_voltage: float = 400.0  # nominal; ~800 for the 800 V platforms
    dc_curve: Curve = DC_CURVE
    weight: int = 1  # how common it is (pick weight)

    def ac_kw(self, phases: int, volts: float = 230.0) -> float:
        """Most the car draws on AC with `phases` phases available (line-to-neutral volts)."""
        used = min(self.ac_phases, max(phases, 1))
        return min(self.ac_max_kw, used * volts * self.ac_max_amps / 1000)

    def voltage(self, soc: float) -> float:
        """Pack voltage: rises a little with the state of charge."""
        return self.pack_voltage * (0.92 + 0.14 * soc / 100)

    def can_use(self, standard: str | None) -> bool:
        """Whether the car can charge on a connector of this ConnectorType."""
        if standard is None:
            return True
        if standard in (CCS, CHADEMO):
            return self.dc_inlet == standard
        return standard.startswith(_AC_STANDARDS_ANY_CAR)


CATALOGUE: tuple[Vehicle, ...] = (
    # 40 kWh compact: 7.4 kW on one phase (32 A), 11 kW on three, ~50 kW DC.
    Vehicle(
        "Hyundai Kona Electric 39 kWh",
        39.2,
        3,
        32,
        11.0,
        50.0,
        CCS,
        dc_curve=dc_shape(55.0, 0.8),
        weight=5,
    ),
    Vehicle(
        "Renault Zoe R135 52 kWh",
        52.0,
        3,
        32,
        22.0,
        46.0,
        CCS,
        dc_curve=dc_shape(50.0, 0.75),
        weight=7,
    ),
    Vehicle(
        "Peugeot e-208 50 kWh",
        46.0,
        3,
        32,
        11.0,
        100.0,
        CCS,
        dc_curve=dc_shape(40.0, 0.45),
        weight=6,
    ),
    Vehicle(
        "Fiat 500e 42 kWh", 37.3, 3, 32, 11.0, 85.0, CCS, dc_curve=dc_shape(50.0, 0.5), weight=4
    ),
    Vehicle(
        "Dacia Spring 27 kWh", 26.8, 1, 32, 6.6, 30.0, CCS, dc_curve=dc_shape(60.0, 0.8), weight=3
    ),
    # 77 kWh crossovers: 11 kW AC, 135 and 175 kW DC.
    Vehicle(
        "Volkswagen ID.4 Pro 77 kWh",
        77.0,
        3,
        16,
        11.0,
        135.0,
        CCS,
        dc_curve=dc_shape(52.0, 0.5),
        weight=9,
    ),
    Vehicle(
        "Skoda Enyaq 85 77 kWh",
        77.0,
        3,
        16,
        11.0,
        175.0,
        CCS,
        dc_curve=dc_shape(45.0, 0.42),
        weight=6,
    ),
    Vehicle(
        "Hyundai Ioniq 5 77 kWh",
        74.0,
        3,
        16,
        11.0,
        230.0,
        CCS,
        pack_voltage=800.0,
        dc_curve=dc_shape(55.0, 0.6),
        weight=5,
    ),
    Vehicle(
        "BMW i4 eDrive40 81 kWh",
        81.0,
        3,
        16,
        11.0,
        205.0,
        CCS,
        dc_curve=dc_shape(40.0, 0.4),
        weight=3,
    ),
    # 82 kWh, 250 kW peak early, then a long decline.
    Vehicle(
        "Tesla Model 3 Long Range 82 kWh",
        82.0,
        3,
        16,
        11.0,
        250.0,
        CCS,
        pack_voltage=360.0,
        dc_curve=(
            (0.0, 0.8),
            (5.0, 1.0),
            (25.0, 1.0),
            (50.0, 0.62),
            (80.0, 0.3),
            (90.0, 0.15),
            (95.0, 0.09),
            (100.0, 0.03),
        ),
        weight=8,
    ),
    # CHAdeMO only on DC; one phase on AC.
    Vehicle(
        "Nissan Leaf 40 kWh",
        39.0,
        1,
        32,
        6.6,
        46.0,
        CHADEMO,
        dc_curve=dc_shape(50.0, 0.6),
        weight=4,
    ),
)


def _candidates(connector: Mapping[str, Any] | None) -> Sequence[Vehicle]:
    if connector is None:
        return CATALOGUE
    standard = connector.get("standard")
    fits = [v for v in CATALOGUE if v.can_use(standard)]
    if fits:
        return fits
    if connector.get("power_type") == "DC":  # a DC standard no catalogue car has (GB/T ...)
        return [v for v in CATALOGUE if v.dc_max_kw > 0]
    return CATALOGUE


def pick_vehicle(
    rng: random.Random, connector: Mapping[str, Any] | None = None
) -> tuple[Vehicle, float]:
    """A vehicle (weighted by how common it is; one that fits `connector` when given) and its
    state of charge on arrival in percent: lower at DC chargers than at AC posts."""
    cars = _candidates(connector)
    vehicle = rng.choices(cars, weights=[v.weight for v in cars])[0]
    dc = connector is not None and connector.get("power_type") == "DC"
    soc = rng.triangular(8.0, 55.0, 22.0) if dc else rng.triangular(12.0, 85.0, 45.0)
    return vehicle, round(soc, 1)


@dataclass(frozen=True)
class Visit:
    """What the car and its driver do: the simulator's whole random input for one session."""

    vehicle: Vehicle
    start_soc: float  # %
    target_soc: float  # % at which the car stops drawing power (100: full)
    pending_seconds: float  # plugged in, authorised, before energy flows (status PENDING)
    idle_seconds: float  # stays plugged in after charging ends (parking time)
    leave_after_seconds: float | None = None  # leaves this long after charging started, done or not


def plan_visit(rng: random.Random, connector: Mapping[str, Any] | None = None) -> Visit:
    """A seeded visit: vehicle, arrival SoC, target, handshake time, idle time, departure."""
    vehicle, soc = pick_vehicle(rng, connector)
    dc = connector is not None and connector.get("power_type") == "DC"
    if dc:
        target = rng.choices((80.0, 85.0, 90.0, 100.0), weights=(55, 15, 18, 12))[0]
        idle = rng.uniform(30, 420) if rng.random() < 0.85 else rng.uniform(900, 2700)
        leave = None
    else:
        target = rng.choices((80.0, 90.0, 100.0), weights=(25, 15, 60))[0]
        r = rng.random()
        idle = (
            rng.uniform(300, 3600)
            if r < 0.5
            else rng.uniform(3600, 4 * 3600)
            if r < 0.85
            else rng.uniform(4 * 3600, 10 * 3600)
        )
        leave = rng.uniform(3600, 5 * 3600) if rng.random() < 0.3 else None
    if target < soc + 5:
        target = min(100.0, soc + 20)
    return Visit(
        vehicle,
        soc,
        target,
        round(rng.uniform(3, 20), 3),
        round(idle, 3),
        None if leave is None else round(leave, 3),
    )
