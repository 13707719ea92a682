"""Schema migrations, applied in order; never edit a released one, append a new one."""

from __future__ import annotations

MIGRATIONS: list[list[str]] = [
    # 1: partners and their credentials
    [
        """
        CREATE TABLE partners (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            versions_url TEXT NOT NULL,
            version TEXT,
            endpoints_json TEXT NOT NULL DEFAULT '[]',
            roles_json TEXT NOT NULL DEFAULT '[]',
            token_out TEXT,            -- what we present to them (their TOKEN_C, or B if they registered)
            token_in TEXT UNIQUE,      -- what they present to us
            raw_token INTEGER NOT NULL DEFAULT 0,  -- old peers want the raw token, not base64
            status TEXT NOT NULL DEFAULT 'REGISTERED',
            registered_at TEXT NOT NULL,
            last_error TEXT,
            last_error_at TEXT
        )
        """,
        # Parties reachable through a partner: a CPO itself, or every client behind a hub.
        """
        CREATE TABLE partner_parties (
            partner_id INTEGER NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
            country_code TEXT NOT NULL,
            party_id TEXT NOT NULL,
            role TEXT NOT NULL,
            name TEXT,
            status TEXT NOT NULL DEFAULT 'CONNECTED',
            last_updated TEXT,
            PRIMARY KEY (partner_id, country_code, party_id, role)
        )
        """,
        # Registration tokens (TOKEN_A) we handed out so that a peer can register with us.
        """
        CREATE TABLE registration_tokens (
            token TEXT PRIMARY KEY,
            label TEXT,
            created_at TEXT NOT NULL
        )
        """,
    ],
]
