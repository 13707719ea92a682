"""The wallet's view of a card, exported from the service layer so the UI never imports the
store: the token with its label, when it was issued and whether it is blocked."""

from __future__ import annotations

from typing import TypeAlias

from ..store.tokens import StoredToken

Card: TypeAlias = StoredToken  # what WalletService.cards() returns

__all__ = ["Card"]
