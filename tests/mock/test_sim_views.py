"""OCPI views of simulated sessions: Session, PATCH, CDR (mock_backend.sim.views)."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from emsp_tui.ocpi.models import Cdr, Session
from mock_backend import charging
from mock_backend.generator import Network
from mock_backend.sim import ChargingSession, SimRun, Visit, apply_patch, price_periods
from tests.ocpi_schemas import validate

from .test_sim_session import CDR_DIMENSIONS, CONNECTORS, car, make_spec, run_to_end


def volumes(periods: list[dict[str, Any]], *kinds: str) -> Decimal:
    return sum(
        (
            Decimal(repr(d["volume"]))
            for p in periods
            for d in p["dimensions"]
            if d["type"] in kinds
        ),
        Decimal(0),
    )


def wire(obj: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(obj))
    return out


@pytest.mark.parametrize("kind", sorted(CONNECTORS))
def test_completed_session_gives_a_consistent_cdr(kind: str) -> None:
    for seed in range(3):
        session = ChargingSession(make_spec(kind, seed=seed))
        run_to_end(session, random.Random(seed))
        final = session.session_dict()
        cdr = session.cdr_dict(f"CDR-{seed}")
        periods = cdr["charging_periods"]
        assert (
            Decimal(repr(cdr["total_energy"]))
            == volumes(periods, "ENERGY")
            == Decimal(repr(final["kwh"]))
        )
        assert Decimal(repr(cdr["total_time"])) == volumes(periods, "TIME", "PARKING_TIME")
        assert Decimal(repr(cdr["total_parking_time"])) == volumes(periods, "PARKING_TIME")
        assert session.ended_at is not None
        hours = (session.ended_at - session.started_at).total_seconds() / 3600
        assert cdr["total_time"] == pytest.approx(hours, abs=1e-4)
        assert (cdr["start_date_time"], cdr["end_date_time"]) == (
            final["start_date_time"],
            final["end_date_time"],
        )
        assert {d["type"] for p in periods for d in p["dimensions"]} <= CDR_DIMENSIONS
        assert {
            d["type"] for p in final["charging_periods"] for d in p["dimensions"]
        } - CDR_DIMENSIONS == {"POWER", "CURRENT", "STATE_OF_CHARGE"}
        # Same periods apart from the Session-only dimensions.
        assert [p["start_date_time"] for p in periods] == [
            p["start_date_time"] for p in final["charging_periods"]
        ]
        # The cost follows the tariff snapshot, from the CDR alone; the parts add up (no clamp).
        tariff = cdr["tariffs"][0]
        assert tariff["id"] == periods[0]["tariff_id"]
        assert tariff.get("type") != "AD_HOC_PAYMENT"
        costs = price_periods(tariff, periods, session.spec.location["time_zone"])
        assert cdr["total_cost"] == costs.total.to_price() == final["total_cost"]
        parts = [
            cdr[k]["excl_vat"]
            for k in (
                "total_fixed_cost",
                "total_energy_cost",
                "total_time_cost",
                "total_parking_cost",
            )
            if k in cdr
        ]
        assert sum(parts) == pytest.approx(cdr["total_cost"]["excl_vat"], abs=5e-4)
        assert "total_energy_cost" in cdr
        assert all(v for k, v in cdr.items() if k.endswith("_cost"))


def generated_connectors() -> list[tuple[int, dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """One generated (CPO, location, EVSE, connector) per kind of connector."""
    net, seen, out = Network(7, 300), set(), []
    for g in range(300):
        cpo_no, _ = net.owner(g)
        location = net.location_at(g)
        for evse in location["evses"]:
            for conn in evse["connectors"]:
                kind = (conn["standard"], conn.get("max_electric_power"), conn["tariff_ids"][0][4:])
                if kind not in seen:
                    seen.add(kind)
                    out.append((cpo_no, location, evse, conn))
    return out


def test_dicts_validate_with_our_models_and_the_independent_schemas() -> None:
    net = Network(7, 300)
    picked = generated_connectors()
    assert {c["power_type"] for _, _, _, c in picked} == {"AC_3_PHASE", "DC"}
    for n, (cpo_no, location, evse, conn) in enumerate(picked[:8]):
        tariffs = [t for tid in conn["tariff_ids"] if (t := net.tariff(cpo_no, tid))]
        party = net.cpos[cpo_no]
        spec = charging.RunSpec(
            f"S-{n}",
            party.country_code,
            party.party_id,
            location,
            evse,
            conn,
            tariffs,
            {
                "country_code": "NL",
                "party_id": "TNM",
                "uid": f"U{n}",
                "type": "APP_USER",
                "contract_id": f"NL-TNM-C{n:08d}",
            },
            "COMMAND",
            f"REF-{n}",
            make_spec().start,
            n,
        )
        session = ChargingSession(spec)
        sent = wire(session.session_dict(include_open_period=False))
        validate(sent, "Session")
        Session.model_validate(sent)
        rng = random.Random(n)
        patches = []
        for step in range(10_000):
            if session.done:
                break
            session.advance(rng.uniform(60, 1200))
            patch = session.session_patch_since(sent)
            if patch is not None:
                patches.append(wire(patch))
                sent = apply_patch(sent, patches[-1])
            if step == 2:  # running, open period included
                full = wire(session.session_dict())
                validate(full, "Session")
                Session.model_validate(full)
        for patch in (patches[0], patches[-1]):  # (the schema checker takes its time)
            validate(patch, "SessionPatch")
        assert patches[-1]["status"] == "COMPLETED"
        Session.model_validate(sent)
        cdr = wire(session.cdr_dict(f"CDR-{n}"))
        validate(cdr, "CDR")
        assert Cdr.model_validate(cdr).total_energy == sent["kwh"]


def test_patches_rebuild_the_session_on_the_receiver() -> None:
    session = ChargingSession(
        make_spec("AC11", seed=3), Visit(car("Renault Zoe"), 30.0, 100.0, 8.0, 1800.0)
    )
    put = session.session_dict(include_open_period=False)
    assert "charging_periods" not in put
    assert put["status"] == "PENDING"
    held = put
    assert session.session_patch_since(held) is None  # nothing happened yet
    patches = []
    while not session.done:
        session.advance(400)
        patch = session.session_patch_since(held)
        if patch is None:
            continue
        patches.append(patch)
        held = apply_patch(held, patch)
        closed = session.charging_periods(include_open=False)
        assert held["charging_periods" if closed else "kwh"] == (closed or held["kwh"])
    # Fields travel only when they change; last_updated always.
    assert all("last_updated" in p for p in patches)
    assert all("cdr_token" not in p and "location_id" not in p for p in patches)
    assert patches[0]["status"] == "ACTIVE"
    assert "start_date_time" in patches[0]
    assert sum("status" in p for p in patches) == 2
    assert patches[-1]["status"] == "COMPLETED"
    assert "end_date_time" in patches[-1]
    assert held == session.session_dict()  # the receiver ends up with exactly the session
    # A receiver that holds a period we no longer have cannot be patched.
    stale = {**held, "charging_periods": [{**held["charging_periods"][0], "tariff_id": "X"}]}
    with pytest.raises(ValueError, match="differ"):
        session.session_patch_since(stale)


def test_the_network_seam_uses_the_simulator() -> None:
    spec = make_spec("DC50", seed=8)
    run = charging.new_run(spec)
    assert isinstance(run, SimRun)
    run.advance(spec.start + timedelta(hours=6))
    assert run.done  # a DC visit is over within six hours
    session = run.session()
    assert session["status"] == "COMPLETED"
    assert run.cdr("CDR-8")["total_energy"] == session["kwh"]
