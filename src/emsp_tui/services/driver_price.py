"""The driver's price of a charge: the account's plan on the tariff's price, with the VAT of
the country where the charging takes place.

One function for the three moments, so they agree to the cent: the price reminder before the
start (a ``PlannedCharge`` priced by the tariff engine), the cost so far on the live screen
(the session's periods) and the invoice (``BillingService``, the same plan and lines from the
CDR's audit). The CPO's own figure (``TariffPrice.incl_vat``) is kept beside it, for support.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..billing.model import CdrAudit, Line, totals
from ..billing.plans import (
    ChargerClass,
    Plan,
    charger_class,
    plan_named,
    price_lines,
    retail_lines,
)
from ..billing.vat import UnknownVatCountry, VatRates, vat_rates
from ..config import BillingSettings
from ..ocpi.models import Connector
from ..tariff import TariffPrice


@dataclass(frozen=True, slots=True)
class DriverPrice:
    """What the driver pays us (Decimal, rounded to cents per line, VAT per rate on the net)."""

    gross: Decimal
    net: Decimal
    vat: Decimal
    currency: str
    country: str  # ISO alpha-2 of the charging place: its VAT applies
    vat_rates: tuple[Decimal, ...]
    plan: str
    lines: tuple[Line, ...]

    @property
    def vat_words(self) -> str:
        """``incl. 19 % DE VAT``."""
        rates = " / ".join(f"{r.normalize():f} %" for r in self.vat_rates) or "0 %"
        return f"incl. {rates} {self.country} VAT"


def driver_price_of_lines(
    lines: tuple[Line, ...], currency: str, country: str, plan: Plan
) -> DriverPrice:
    t = totals(lines)
    rates = tuple(a.rate for a in t.vat)
    return DriverPrice(t.gross, t.net, t.vat_total, currency, country, rates, plan.name, lines)


def driver_price(
    price: TariffPrice,
    plan: Plan,
    vat_rate: Decimal,
    country: str,
    *,
    charger: ChargerClass = ChargerClass.AC,
) -> DriverPrice:
    """A tariff engine price (planned or so far) as the driver's price under ``plan``."""
    lines = price_lines(price, plan, vat_rate, charger=charger)
    return driver_price_of_lines(lines, price.currency, country, plan)


@dataclass(frozen=True)
class DriverPricing:
    """The billing settings and VAT table the invoice uses, for the estimate and reminder."""

    settings: BillingSettings = field(default_factory=BillingSettings)
    rates: VatRates = field(default_factory=vat_rates)

    def plan(self, name: str | None) -> Plan:
        return plan_named(self.settings, name)

    def charger(self, connector: Connector | None) -> ChargerClass:
        """As the invoice classes it: the connector's power type and maximum power."""
        if connector is None:
            return ChargerClass.AC
        max_kw = Decimal(repr(connector.max_power_kw))
        return charger_class(str(connector.power_type), max_kw, self.settings.high_power_kw)

    def _vat(self, country: str) -> tuple[str, Decimal] | None:
        """(alpha-2 code, VAT percent) of the charging country, None if we know no rate."""
        try:
            return self.rates.country(country), self.rates.rate(country)
        except UnknownVatCountry:
            return None

    def price(
        self,
        price: TariffPrice,
        country: str,
        *,
        plan: str | None = None,
        connector: Connector | None = None,
    ) -> DriverPrice | None:
        """None when no VAT rate is known for the country (the invoice would refuse too)."""
        if (vat := self._vat(country)) is None:
            return None
        code, rate = vat
        chosen = self.plan(plan)
        return driver_price(price, chosen, rate, code, charger=self.charger(connector))

    def invoiced(
        self,
        audit: CdrAudit,
        country: str,
        currency: str,
        *,
        plan: str | None = None,
        connector: Connector | None = None,
    ) -> DriverPrice | None:
        """What the invoice of an audited CDR will say (before it is issued)."""
        if (vat := self._vat(country)) is None:
            return None
        code, rate = vat
        chosen = self.plan(plan)
        lines = retail_lines(audit, chosen, rate, charger=self.charger(connector))
        return driver_price_of_lines(lines, audit.currency or currency, code, chosen)


def changes_price(plan: Plan, charger: ChargerClass) -> bool:
    """Whether the plan makes the driver's price differ from the operator's tariff."""
    return bool(plan.markup_percent or plan.session_fee or plan.rates_for(charger) is not None)


def plan_words(plan: Plan, charger: ChargerClass, currency: str) -> str:
    """The plan in one sentence, e.g. ``Your plan "plus": the operator's price + 5 %, and a
    service fee of 0.30 EUR excl. VAT.``"""
    rates = plan.rates_for(charger)
    parts = []
    if rates is not None:
        own = [
            f"{r:f} {currency}/{unit}"
            for r, unit in (
                (rates.energy_per_kwh, "kWh"),
                (rates.time_per_hour, "h charging"),
                (rates.parking_per_hour, "h parked"),
            )
            if r
        ]
        if rates.session_fee:
            own.append(f"{rates.session_fee:f} {currency} per start")
        parts.append(f"its own {charger.value} rates ({', '.join(own) or 'free'})")
    elif plan.markup_percent:
        parts.append(f"the operator's price + {plan.markup_percent.normalize():f} %")
    else:
        parts.append("the operator's price")
    if plan.session_fee:
        parts.append(f"a service fee of {plan.session_fee:f} {currency}")
    return f'Your plan "{plan.name}": {", and ".join(parts)}, excl. VAT.'
