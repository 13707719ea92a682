"""What a CPO sends when its CDR faults are on (kinds `cdr_*` in faults.py).

`plan_cdrs` turns the CDR the simulator priced (the mock's own pricing, sim/pricing.py) into
what the CPO lists on its CDRs SENDER and what it POSTs to the eMSP:

* cdr_overcharge=P: total_cost is P % higher (excl. and incl. VAT, the extra rounded to cents)
  and the extra is added to total_energy_cost (created if the tariff priced no energy); the other
  cost fields, `tariffs` and `charging_periods` stay as priced, so recomputing the CDR from its
  own tariff shows the overcharge in the ENERGY dimension. A CDR priced 0 stays 0.
* cdr_credit_after: the spec's correction (mod_cdrs, Credit CDRs): after the CDR, a credit CDR
  (id `<id>-C`, `credit: true`, `credit_reference_id` = the CDR's id, all data of the CDR, only
  total_cost negated), then a new CDR with a new id at the mock's own price (with
  cdr_overcharge, that is the corrected bill; without, the same amounts again).
* cdr_twice: the (first) CDR is POSTed twice in a row, identical bodies.
* cdr_not_pushed: nothing is POSTed; the CDRs SENDER lists the CDR(s) as usual.
* cdr_late=S: the CDR(s) appear (listed and POSTed) S simulated seconds after the session end,
  i.e. S / speed wall seconds; their end_date_time and last_updated stay those of the session
  end, so a pull whose date_from lies after that misses them.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CDR_FAULTS = ("cdr_overcharge", "cdr_credit_after", "cdr_twice", "cdr_not_pushed", "cdr_late")
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class CdrPlan:
    stored: list[dict[str, Any]]  # what the CPO's CDRs SENDER lists, in order
    pushed: list[dict[str, Any]]  # the bodies POSTed to the eMSP, in order
    delay: float = 0.0  # simulated seconds after the session end before either happens
    faults: list[str] = field(default_factory=list)  # the CDR faults applied


def _dec(value: Any) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def overcharged(cdr: Mapping[str, Any], percent: float) -> dict[str, Any]:
    """A copy of `cdr` whose total_cost is `percent` higher, the extra in total_energy_cost."""
    out = copy.deepcopy(dict(cdr))
    total = out["total_cost"]
    energy = out.get("total_energy_cost") or {"excl_vat": 0.0, "incl_vat": 0.0}
    rate = _dec(percent) / 100
    new_total: dict[str, float] = {}
    new_energy: dict[str, float] = {}
    for key in ("excl_vat", "incl_vat"):
        if total.get(key) is None:
            continue
        extra = (_dec(total[key]) * rate).quantize(_CENT, ROUND_HALF_UP)
        new_total[key] = float(_dec(total[key]) + extra)
        new_energy[key] = float(_dec(energy.get(key) or 0) + extra)
    if any(new_total[k] != total[k] for k in new_total):
        out["total_cost"] = new_total
        out["total_energy_cost"] = new_energy
    return out


def credit_for(cdr: Mapping[str, Any]) -> dict[str, Any]:
    """The credit CDR of `cdr` (spec: all its data, only total_cost negated)."""
    out = copy.deepcopy(dict(cdr))
    out["id"] = f"{cdr['id']}-C"
    out["credit"] = True
    out["credit_reference_id"] = cdr["id"]
    out["total_cost"] = {k: -v if v else 0.0 for k, v in cdr["total_cost"].items()}
    return out


def plan_cdrs(
    cdr: Mapping[str, Any],
    faults: Mapping[str, Any],
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> CdrPlan:
    """What to list and push for the CDR `cdr` (the mock's own price) under `faults`
    (kind -> value of the CPO, see FaultBook.of); no CDR fault: `cdr` listed and pushed once."""
    priced = copy.deepcopy(dict(cdr))
    applied = [kind for kind in CDR_FAULTS if kind in faults]
    first = priced
    if "cdr_overcharge" in faults:
        first = overcharged(priced, float(faults["cdr_overcharge"]))
    stored = [first]
    if "cdr_credit_after" in faults:
        corrected = {**copy.deepcopy(priced), "id": new_id()}
        stored += [credit_for(first), corrected]
    pushed = [copy.deepcopy(c) for c in stored]
    if "cdr_twice" in faults:
        pushed.insert(1, copy.deepcopy(first))
    if "cdr_not_pushed" in faults:
        pushed = []
    delay = float(faults.get("cdr_late") or 0.0)
    return CdrPlan(stored, pushed, delay, applied)
