"""Status churn: other drivers plug in and out, chargers fail and come back.

A few EVSE status changes per minute (seeded), pushed to the eMSPs as Location PATCHes and
visible to `date_from` pulls, so a demo has something moving and an incremental sync has
something to find. `/mock/changes` calls `churn` directly for tests.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Protocol

from .sim_world import SimWorld

log = logging.getLogger("mock_backend.churn")

# How an EVSE's status moves when someone else uses it; anything else goes back to AVAILABLE.
NEXT_STATUS = {"AVAILABLE": (("CHARGING", 0.75), ("OUTOFORDER", 0.9), ("UNKNOWN", 1.0))}


class Churned(Protocol):
    """What churn needs of the `simulation.Simulator` (which imports this module)."""

    world: SimWorld
    churn_rng: random.Random
    busy: set[tuple[int, str]]  # (cpo_no, EVSE uid) with a session/reservation: left alone

    def set_evse(self, cpo_no: int, local: int, evse_uid: str, status: str) -> None: ...


async def churner(sim: Churned) -> None:
    """Forever: wait an exponential (seeded) while, change one EVSE."""
    rate = sim.world.config.churn_per_minute / 60.0
    while True:
        await asyncio.sleep(min(sim.churn_rng.expovariate(rate), 120.0))
        try:
            churn(sim, 1)
        except Exception:
            log.exception("status churn failed")


def churn(sim: Churned, count: int) -> list[str]:
    """Change one EVSE status at `count` distinct locations now; returns their ids.

    EVSEs with a session or reservation of ours are left alone.
    """
    net = sim.world.network
    rng = sim.churn_rng
    if net.total == 0 or count <= 0:
        return []
    changed = []
    for g in rng.sample(range(net.total), min(count, net.total)):
        cpo_no, local = net.owner(g)
        location = sim.world.location(cpo_no, local)
        free = [e for e in location.get("evses", []) if (cpo_no, e["uid"]) not in sim.busy]
        if not free:
            continue
        evse = rng.choice(free)
        target = "AVAILABLE"
        options = NEXT_STATUS.get(evse["status"])
        if options is not None:
            r = rng.random()
            target = next(status for status, upper in options if r < upper)
        sim.set_evse(cpo_no, local, evse["uid"], target)
        changed.append(location["id"])
    return changed
