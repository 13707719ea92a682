"""How much power flows: the connector's limit, the vehicle's limit at its state of charge.

Connector fields as in OCPI 2.2.1 (section 4): `max_electric_power` in W when given, else
`max_voltage` x `max_amperage`, times the number of phases on AC (the voltage is line-to-neutral).
Currents are summed over phases, as the tariff restrictions `min_current`/`max_current` count them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .vehicles import AC_CURVE, Vehicle, curve_at

PHASES = {"AC_1_PHASE": 1, "AC_2_PHASE": 2, "AC_2_PHASE_SPLIT": 2, "AC_3_PHASE": 3}


def is_dc(connector: Mapping[str, Any]) -> bool:
    return connector.get("power_type") == "DC"


def connector_limit_kw(connector: Mapping[str, Any]) -> float:
    """The EVSE side: what the connector can deliver at most, in kW."""
    if connector.get("max_electric_power"):
        return float(connector["max_electric_power"]) / 1000
    phases = 1 if is_dc(connector) else PHASES.get(connector.get("power_type", ""), 1)
    return float(connector["max_voltage"]) * float(connector["max_amperage"]) * phases / 1000


def vehicle_limit_kw(vehicle: Vehicle, connector: Mapping[str, Any], soc: float) -> float:
    """The vehicle side at this state of charge: its curve times its peak for this power type."""
    if is_dc(connector):
        return vehicle.dc_max_kw * curve_at(vehicle.dc_curve, soc)
    phases = PHASES.get(connector.get("power_type", ""), 1)
    return vehicle.ac_kw(phases, float(connector.get("max_voltage") or 230)) * curve_at(
        AC_CURVE, soc
    )


def charging_power_kw(vehicle: Vehicle, connector: Mapping[str, Any], soc: float) -> float:
    """Power drawn at `soc`: the lower of both sides, and of what the cable's current allows."""
    power = min(connector_limit_kw(connector), vehicle_limit_kw(vehicle, connector, soc))
    volts = float(connector.get("max_voltage") or 0)
    amps = float(connector.get("max_amperage") or 0)
    if is_dc(connector):
        if amps > 0:
            power = min(
                power, amps * min(vehicle.voltage(soc), volts or vehicle.voltage(soc)) / 1000
            )
    elif amps > 0:
        phases = min(vehicle.ac_phases, PHASES.get(connector.get("power_type", ""), 1))
        power = min(power, phases * (volts or 230.0) * min(amps, vehicle.ac_max_amps) / 1000)
    return max(power, 0.0)


def current_a(vehicle: Vehicle, connector: Mapping[str, Any], soc: float, power_kw: float) -> float:
    """Current for `power_kw`, summed over phases (DC: at the pack voltage)."""
    if power_kw <= 0:
        return 0.0
    volts = vehicle.voltage(soc) if is_dc(connector) else float(connector.get("max_voltage") or 230)
    return power_kw * 1000 / volts
