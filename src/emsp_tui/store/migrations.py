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
    # 2: roaming data (locations with their EVSEs and connectors, tariffs), what station search
    # needs beside them, and the per-(partner, module) sync checkpoint.
    [
        # One row per Location, keyed by its owner's (country_code, party_id, id), all upper
        # case (CiString). The columns from `publish` on are derived from the object at write
        # time (store/location_index.py) so that search filters are plain column tests; they
        # count only EVSEs whose status is not REMOVED.
        """
        CREATE TABLE locations (
            pk INTEGER PRIMARY KEY,            -- rowid shared with location_fts and location_geo
            country_code TEXT NOT NULL,
            party_id TEXT NOT NULL,
            id TEXT NOT NULL,
            partner_id INTEGER NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
            crawl_id INTEGER,                  -- sync_state.crawl_id current when last written
            last_updated INTEGER NOT NULL,     -- epoch milliseconds (the JSON has the text)
            publish INTEGER NOT NULL,
            visible INTEGER NOT NULL,          -- publish and at least one EVSE not REMOVED
            name TEXT,
            address TEXT NOT NULL,
            city TEXT NOT NULL,
            postal_code TEXT,
            country TEXT NOT NULL,
            operator_name TEXT,
            latitude REAL NOT NULL,
            longitude REAL NOT NULL,
            time_zone TEXT NOT NULL,
            sort_key TEXT NOT NULL,            -- name (else address) folded: no case, no accents
            evses_total INTEGER NOT NULL,
            evses_available INTEGER NOT NULL,
            max_kw REAL NOT NULL,              -- the fastest connector
            max_kw_available REAL NOT NULL,    -- ... on an AVAILABLE EVSE (0: none available)
            max_kw_ac REAL NOT NULL,           -- the fastest AC connector (0: no AC)
            max_kw_ac_available REAL NOT NULL,
            max_kw_dc REAL NOT NULL,
            max_kw_dc_available REAL NOT NULL,
            standards INTEGER NOT NULL,        -- bit set of connector standards
            standards_available INTEGER NOT NULL,
            facilities INTEGER NOT NULL,       -- bit set of Facility
            hours_id INTEGER,                  -- opening_hours.id; NULL = open 24/7
            tariff_ids TEXT,                   -- ' T1 T2 ': the connectors' tariffs (owner's)
            energy_price REAL,                 -- cheapest energy price per kWh incl. VAT
            price_currency TEXT,
            UNIQUE (country_code, party_id, id)
        )
        """,
        "CREATE INDEX locations_partner ON locations(partner_id)",
        "CREATE INDEX locations_operator ON locations(operator_name COLLATE NOCASE)",
        "CREATE INDEX locations_by_name ON locations(sort_key) WHERE visible = 1",
        # Covers every column a search without text or point filters on, so counting never
        # reads the wide rows; led by max_kw_available so "available, at least N kW" is a range.
        """
        CREATE INDEX locations_facets ON locations(max_kw_available, evses_available, max_kw,
            max_kw_ac, max_kw_ac_available, max_kw_dc, max_kw_dc_available, standards_available,
            standards, facilities, energy_price, hours_id, partner_id) WHERE visible = 1
        """,
        # The Location as last received (EVSEs and connectors inside), kept apart so that the
        # rows search reads stay small.
        """
        CREATE TABLE location_json (
            pk INTEGER PRIMARY KEY,            -- locations.pk
            data TEXT NOT NULL
        )
        """,
        # EVSEs and connectors as rows (their full JSON is inside location_json).
        """
        CREATE TABLE evses (
            location_pk INTEGER NOT NULL,
            uid TEXT NOT NULL,
            evse_id TEXT,
            status TEXT NOT NULL,
            max_kw REAL NOT NULL,
            PRIMARY KEY (location_pk, uid)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE connectors (
            location_pk INTEGER NOT NULL,
            evse_uid TEXT NOT NULL,
            id TEXT NOT NULL,
            evse_status TEXT NOT NULL,         -- the EVSE's, so one table answers a match
            standard TEXT NOT NULL,
            power_type TEXT NOT NULL,
            max_kw REAL NOT NULL,
            PRIMARY KEY (location_pk, evse_uid, id)
        ) WITHOUT ROWID
        """,
        # Regular opening hours, shared by every location with the same hours and time zone:
        # periods are [begin, end) in local minutes of the week (Monday 00:00 = 0).
        """
        CREATE TABLE opening_hours (
            id INTEGER PRIMARY KEY,
            time_zone TEXT NOT NULL,
            periods TEXT NOT NULL,             -- 'begin-end,begin-end' (canonical form)
            UNIQUE (time_zone, periods)
        )
        """,
        """
        CREATE TABLE opening_hours_periods (
            hours_id INTEGER NOT NULL REFERENCES opening_hours(id),
            begin_minute INTEGER NOT NULL,
            end_minute INTEGER NOT NULL
        )
        """,
        "CREATE INDEX opening_hours_periods_hours ON opening_hours_periods(hours_id)",
        # Exceptional openings and closings (absolute UTC, epoch seconds).
        """
        CREATE TABLE location_hours_exceptions (
            location_pk INTEGER NOT NULL,
            opening INTEGER NOT NULL,          -- 1 exceptional opening, 0 exceptional closing
            begin_at INTEGER NOT NULL,
            end_at INTEGER NOT NULL
        )
        """,
        "CREATE INDEX location_hours_exceptions_end ON location_hours_exceptions(end_at)",
        "CREATE INDEX location_hours_exceptions_location ON location_hours_exceptions(location_pk)",
        # Text and map search over visible locations only (rowid/id = locations.pk). detail=column
        # keeps column filters (relevance tiers) without token positions; the 3-character prefix
        # index serves EVSE-id prefixes ("E00"), which would otherwise walk every EVSE id.
        """
        CREATE VIRTUAL TABLE location_fts USING fts5(
            name, address, city, postal_code, operator, evse_ids,
            tokenize = 'unicode61 remove_diacritics 2', prefix = '3', detail = column
        )
        """,
        "CREATE VIRTUAL TABLE location_geo USING rtree(id, min_lat, max_lat, min_lon, max_lon)",
        """
        CREATE TABLE tariffs (
            pk INTEGER PRIMARY KEY,
            country_code TEXT NOT NULL,
            party_id TEXT NOT NULL,
            id TEXT NOT NULL,
            partner_id INTEGER NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
            crawl_id INTEGER,
            currency TEXT NOT NULL,
            type TEXT,
            energy_price REAL,                 -- per kWh incl. VAT, as search compares it
            last_updated INTEGER NOT NULL,     -- epoch milliseconds
            data TEXT NOT NULL,
            UNIQUE (country_code, party_id, id)
        )
        """,
        "CREATE INDEX tariffs_partner ON tariffs(partner_id)",
        # A location's search price follows its tariffs: recompute it when one changes or goes.
        # (Tariffs are few and change rarely; scanning the owner's locations is cheap enough.)
        """
        CREATE TRIGGER tariffs_price_insert AFTER INSERT ON tariffs BEGIN
            UPDATE locations SET (energy_price, price_currency) = (
                SELECT min(t.energy_price), t.currency FROM tariffs t
                WHERE t.country_code = locations.country_code AND t.party_id = locations.party_id
                  AND instr(locations.tariff_ids, ' ' || t.id || ' ') AND t.energy_price IS NOT NULL)
            WHERE country_code = new.country_code AND party_id = new.party_id
              AND instr(tariff_ids, ' ' || new.id || ' ');
        END
        """,
        """
        CREATE TRIGGER tariffs_price_update AFTER UPDATE OF energy_price, currency ON tariffs
        WHEN old.energy_price IS NOT new.energy_price OR old.currency IS NOT new.currency BEGIN
            UPDATE locations SET (energy_price, price_currency) = (
                SELECT min(t.energy_price), t.currency FROM tariffs t
                WHERE t.country_code = locations.country_code AND t.party_id = locations.party_id
                  AND instr(locations.tariff_ids, ' ' || t.id || ' ') AND t.energy_price IS NOT NULL)
            WHERE country_code = new.country_code AND party_id = new.party_id
              AND instr(tariff_ids, ' ' || new.id || ' ');
        END
        """,
        """
        CREATE TRIGGER tariffs_price_delete AFTER DELETE ON tariffs BEGIN
            UPDATE locations SET (energy_price, price_currency) = (
                SELECT min(t.energy_price), t.currency FROM tariffs t
                WHERE t.country_code = locations.country_code AND t.party_id = locations.party_id
                  AND instr(locations.tariff_ids, ' ' || t.id || ' ') AND t.energy_price IS NOT NULL)
            WHERE country_code = old.country_code AND party_id = old.party_id
              AND instr(tariff_ids, ' ' || old.id || ' ');
        END
        """,
        # Whatever removes a location (its partner's deletion, a purge) removes what hangs on it.
        """
        CREATE TRIGGER locations_cleanup AFTER DELETE ON locations BEGIN
            DELETE FROM location_json WHERE pk = old.pk;
            DELETE FROM evses WHERE location_pk = old.pk;
            DELETE FROM connectors WHERE location_pk = old.pk;
            DELETE FROM location_hours_exceptions WHERE location_pk = old.pk;
            DELETE FROM location_fts WHERE rowid = old.pk;
            DELETE FROM location_geo WHERE id = old.pk;
        END
        """,
        # Sync checkpoint per (partner, module), committed with each page.
        """
        CREATE TABLE sync_state (
            partner_id INTEGER NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
            module TEXT NOT NULL,
            synced_to TEXT,                    -- date_to of the last complete crawl
            in_progress INTEGER NOT NULL DEFAULT 0,
            crawl_id INTEGER NOT NULL DEFAULT 0,
            crawl_from TEXT,                   -- the running (or last) crawl's window
            crawl_to TEXT,
            next_url TEXT,                     -- next page to fetch; resume point
            last_updated TEXT,                 -- newest last_updated committed by this crawl
            pages INTEGER NOT NULL DEFAULT 0,  -- counts of the running (or last) crawl
            stored INTEGER NOT NULL DEFAULT 0,
            rejected INTEGER NOT NULL DEFAULT 0,
            purged INTEGER NOT NULL DEFAULT 0,
            started_at TEXT,
            finished_at TEXT,
            last_error TEXT,
            last_error_at TEXT,
            PRIMARY KEY (partner_id, module)
        )
        """,
    ],
    # 3: the driver's side: favourite stations and the tokens (charging cards) we issue.
    [
        # Keyed like locations (upper case); kept when the location disappears, so the driver
        # sees "no longer listed" instead of a silently vanished favourite.
        """
        CREATE TABLE favourites (
            country_code TEXT NOT NULL,
            party_id TEXT NOT NULL,
            location_id TEXT NOT NULL,
            added_at TEXT NOT NULL,
            PRIMARY KEY (country_code, party_id, location_id)
        )
        """,
        # Our drivers' OCPI Tokens (we are the eMSP: the Sender of the tokens module).
        """
        CREATE TABLE tokens (
            country_code TEXT NOT NULL,
            party_id TEXT NOT NULL,
            uid TEXT NOT NULL,
            type TEXT NOT NULL,
            contract_id TEXT NOT NULL UNIQUE,
            visual_number TEXT,
            issuer TEXT NOT NULL,
            group_id TEXT,
            valid INTEGER NOT NULL,
            whitelist TEXT NOT NULL,
            language TEXT,
            default_profile_type TEXT,
            label TEXT,                        -- the driver's own name for the card
            issued_at TEXT NOT NULL,
            last_updated TEXT NOT NULL,        -- whole seconds, so the text sorts (tokens.py)
            PRIMARY KEY (country_code, party_id, uid)
        )
        """,
        "CREATE INDEX tokens_last_updated ON tokens(last_updated)",
    ],
]
