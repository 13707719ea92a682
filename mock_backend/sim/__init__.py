"""The mock CPO's charging simulator: pure (no HTTP, no asyncio, no wall clock), deterministic.

The network decides *when* things happen; this package decides *what* a session looks like:
the vehicle and its power curve, the charging periods, the CPO's own prices (written apart from
the eMSP's tariff engine, so CDRs can be audited against it), and the OCPI 2.2.1 Session and
CDR objects. Everything random comes from `spec.seed` (or a `Visit` you pass); all times are
simulated, aware UTC, kept to the millisecond; the caller applies any speed factor.

    session = ChargingSession(spec)            # spec: mock_backend.charging.RunSpec or alike
    put = session.session_dict(include_open_period=False)
    held = put                                 # what the receiver holds
    session.advance(wall_dt * speed)           # or session.advance_to(simulated_now)
    patch = session.session_patch_since(held)  # None: nothing changed
    if patch is not None:
        held = apply_patch(held, patch)        # ... and send the patch
    session.stop(simulated_now)                # or wait for session.done (the driver left)
    cdr = session.cdr_dict(cdr_id)

Vehicles (`vehicles`)
  Vehicle(model, battery_kwh, ac_phases, ac_max_amps, ac_max_kw, dc_max_kw, dc_inlet,
          pack_voltage=400, dc_curve=..., weight=1);  CATALOGUE: tuple[Vehicle, ...]
  pick_vehicle(rng, connector=None) -> tuple[Vehicle, float]    a car that fits, its SoC %
  Visit(vehicle, start_soc, target_soc, pending_seconds, idle_seconds, leave_after_seconds=None)
  plan_visit(rng, connector=None) -> Visit                      the whole random input
Power (`power`; kW, currents in A summed over phases)
  connector_limit_kw(connector) -> float                        max_electric_power, else V x A
                                                                (x phases on AC, V line-to-neutral)
  vehicle_limit_kw(vehicle, connector, soc) -> float            the car's curve at this SoC
  charging_power_kw(vehicle, connector, soc) -> float           what flows (<= both limits)
Session (`session`, `views`)
  ChargingSession(spec, visit=None, *, period_seconds=900, max_step_seconds=10)
    .advance(dt_seconds) / .advance_to(now) / .stop(now=None)
    .status ("PENDING" | "ACTIVE" | "COMPLETED"), .done, .charging, .kwh, .power_kw,
    .current_a, .soc, .now, .started_at, .ended_at, .tariff, .vehicle, .visit
    .charging_periods(cdr=False, include_open=True) -> list[dict]   OCPI ChargingPeriods
    .costs() -> pricing.Costs | None                                running cost (None: no tariff)
    .session_dict(include_open_period=True) -> dict                 full OCPI Session
    .session_patch_since(sent) -> dict | None                       PATCH for a receiver holding
                                                                    `sent`; appends closed periods
    .cdr_dict(cdr_id) -> dict                                       the CDR (COMPLETED only)
  apply_patch(view, patch) -> dict                              a receiver's view after a PATCH
  new_run(spec) -> SimRun                                       `mock_backend.charging.ChargeRun`
Pricing (`pricing`, Decimal inside)
  price_periods(tariff, periods, time_zone, session_start=None) -> Costs(total, by_dimension, lines)
  Money(excl_vat, incl_vat).to_price();  select_tariff(tariffs, at);  next_switch(...);
  active_elements(tariff, facts);  restrictions_match(restrictions, facts)
"""

from __future__ import annotations

from .power import charging_power_kw, connector_limit_kw, current_a, vehicle_limit_kw
from .pricing import Costs, Money, price_periods
from .record import SessionSpec
from .run import SimRun, new_run
from .session import ChargingSession
from .vehicles import CATALOGUE, Vehicle, Visit, pick_vehicle, plan_visit
from .views import apply_patch

__all__ = [
    "CATALOGUE",
    "ChargingSession",
    "Costs",
    "Money",
    "SessionSpec",
    "SimRun",
    "Vehicle",
    "Visit",
    "apply_patch",
    "charging_power_kw",
    "connector_limit_kw",
    "current_a",
    "new_run",
    "pick_vehicle",
    "plan_visit",
    "price_periods",
    "vehicle_limit_kw",
]
