"""emsp-tui: an OCPI 2.2.1 eMSP node with a terminal UI."""

__version__ = "0.1.0"
