"""Reusable widgets of the driver app."""

from __future__ import annotations
