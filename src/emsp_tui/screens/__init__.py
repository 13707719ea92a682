"""The driver app's screens: one module per screen or dialog."""

from __future__ import annotations
