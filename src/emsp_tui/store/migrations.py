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
            pk INTEGER PRIMARY KEY,            -- shared by location_facets, _fts, _geo, _json
            country_code TEXT NOT NULL,
            party_id TEXT NOT NULL,
            id TEXT NOT NULL,
            partner_id INTEGER NOT NULL,       -- partners.id (trigger below, not a foreign key)
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
            evses_total INTEGER NOT NULL,      -- EVSEs not REMOVED
            tariff_ids TEXT,                   -- ' T1 T2 ': the connectors' tariffs (owner's)
            text_crc INTEGER,                  -- crc32 of what location_fts holds for it
            UNIQUE (country_code, party_id, id)
        )
        """,
        "CREATE INDEX locations_partner ON locations(partner_id)",
        "CREATE INDEX locations_operator ON locations(operator_name COLLATE NOCASE)",
        "CREATE INDEX locations_by_name ON locations(sort_key) WHERE visible = 1",
        # What search filters on, one narrow row per visible location only (rows are appended
        # in pk order, so bulk writes stay sequential, and a full scan stays short). Powers are
        # integer watts of the fastest connector on EVSEs not REMOVED; *_available: on an
        # AVAILABLE EVSE. NULL = no such connector (no AC at all, nothing available...).
        """
        CREATE TABLE location_facets (
            pk INTEGER PRIMARY KEY,
            partner_id INTEGER NOT NULL,
            evses_available INTEGER NOT NULL,
            max_w INTEGER NOT NULL,
            max_w_available INTEGER,
            max_w_ac INTEGER,
            max_w_ac_available INTEGER,
            max_w_dc INTEGER,
            max_w_dc_available INTEGER,
            standards INTEGER NOT NULL,        -- bit set of connector standards
            standards_available INTEGER NOT NULL,
            facilities INTEGER NOT NULL,       -- bit set of Facility
            hours_id INTEGER,                  -- opening_hours.id; NULL = open 24/7
            energy_price REAL,                 -- cheapest energy price per kWh incl. VAT
            price_currency TEXT
        )
        """,
        # "Available, at least N kW" as a range; few distinct values, so inserts stay local.
        "CREATE INDEX location_facets_available ON location_facets(max_w_available)",
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
        # index serves EVSE-id prefixes ("E00"), which would otherwise walk every EVSE id. No
        # bm25 ranking (see search.py), so no per-column sizes to keep either.
        """
        CREATE VIRTUAL TABLE location_fts USING fts5(
            name, address, city, postal_code, operator, evse_ids,
            tokenize = 'unicode61 remove_diacritics 2', prefix = '3', detail = column,
            columnsize = 0
        )
        """,
        # Each location as a point on the unit sphere (x, y, z in 1e-9): a search circle's
        # bounding box is then a plain cube (no antimeridian or pole cases) and the distance is
        # arithmetic on the box's own columns (chord -> great circle), no trigonometry per row.
        """
        CREATE VIRTUAL TABLE location_geo USING rtree_i32(
            id, min_x, max_x, min_y, max_y, min_z, max_z
        )
        """,
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
            UPDATE location_facets SET (energy_price, price_currency) = (
                SELECT min(t.energy_price), t.currency FROM locations l JOIN tariffs t
                  ON t.country_code = l.country_code AND t.party_id = l.party_id
                 AND instr(l.tariff_ids, ' ' || t.id || ' ') AND t.energy_price IS NOT NULL
                WHERE l.pk = location_facets.pk)
            WHERE pk IN (SELECT pk FROM locations WHERE country_code = new.country_code
                AND party_id = new.party_id AND instr(tariff_ids, ' ' || new.id || ' '));
        END
        """,
        """
        CREATE TRIGGER tariffs_price_update AFTER UPDATE OF energy_price, currency ON tariffs
        WHEN old.energy_price IS NOT new.energy_price OR old.currency IS NOT new.currency BEGIN
            UPDATE location_facets SET (energy_price, price_currency) = (
                SELECT min(t.energy_price), t.currency FROM locations l JOIN tariffs t
                  ON t.country_code = l.country_code AND t.party_id = l.party_id
                 AND instr(l.tariff_ids, ' ' || t.id || ' ') AND t.energy_price IS NOT NULL
                WHERE l.pk = location_facets.pk)
            WHERE pk IN (SELECT pk FROM locations WHERE country_code = new.country_code
                AND party_id = new.party_id AND instr(tariff_ids, ' ' || new.id || ' '));
        END
        """,
        """
        CREATE TRIGGER tariffs_price_delete AFTER DELETE ON tariffs BEGIN
            UPDATE location_facets SET (energy_price, price_currency) = (
                SELECT min(t.energy_price), t.currency FROM locations l JOIN tariffs t
                  ON t.country_code = l.country_code AND t.party_id = l.party_id
                 AND instr(l.tariff_ids, ' ' || t.id || ' ') AND t.energy_price IS NOT NULL
                WHERE l.pk = location_facets.pk)
            WHERE pk IN (SELECT pk FROM locations WHERE country_code = old.country_code
                AND party_id = old.party_id AND instr(tariff_ids, ' ' || old.id || ' '));
        END
        """,
        # A partner's roaming data goes with it. (A trigger, not a foreign key: checking the key
        # on each of a full sync's inserts costs more than all of the partner index.)
        """
        CREATE TRIGGER partners_roaming_data AFTER DELETE ON partners BEGIN
            DELETE FROM locations WHERE partner_id = old.id;
        END
        """,
        # Whatever removes a location (its partner's deletion, a purge) removes what hangs on it.
        """
        CREATE TRIGGER locations_cleanup AFTER DELETE ON locations BEGIN
            DELETE FROM location_json WHERE pk = old.pk;
            DELETE FROM location_facets WHERE pk = old.pk;
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
    # 4: charging: sessions (their charging periods apart, so a PATCH appends rows), CDRs,
    # commands, real-time authorisations, token pushes and policies, push rejection counters,
    # and the OCPI message log. Times are epoch milliseconds (the JSON keeps the text). Rows
    # keep a partner's history when the partner goes (partner_id set NULL, not deleted).
    [
        """
        CREATE TABLE sessions (
            pk INTEGER PRIMARY KEY,
            country_code TEXT NOT NULL,        -- the owner CPO, upper case
            party_id TEXT NOT NULL,
            id TEXT NOT NULL,
            partner_id INTEGER REFERENCES partners(id) ON DELETE SET NULL,  -- pushed/pulled by
            status TEXT NOT NULL,
            location_id TEXT NOT NULL,
            evse_uid TEXT NOT NULL,
            connector_id TEXT NOT NULL,
            token_uid TEXT NOT NULL,
            token_type TEXT NOT NULL,
            contract_id TEXT NOT NULL,
            authorization_reference TEXT,
            start_date_time INTEGER NOT NULL,
            end_date_time INTEGER,
            kwh REAL NOT NULL,
            currency TEXT NOT NULL,
            total_cost_excl REAL,
            total_cost_incl REAL,
            last_updated INTEGER NOT NULL,     -- the CPO's: the latest wins
            received_at INTEGER NOT NULL,      -- ours: when it was last applied
            data TEXT NOT NULL,                -- the Session as held, without charging_periods
            UNIQUE (country_code, party_id, id)
        )
        """,
        "CREATE INDEX sessions_authorization ON sessions(authorization_reference)",
        "CREATE INDEX sessions_start ON sessions(start_date_time)",
        "CREATE INDEX sessions_partner ON sessions(partner_id, last_updated)",
        """
        CREATE TABLE session_periods (
            session_pk INTEGER NOT NULL REFERENCES sessions(pk) ON DELETE CASCADE,
            start_date_time INTEGER NOT NULL,  -- a period is identified by its start
            data TEXT NOT NULL,
            PRIMARY KEY (session_pk, start_date_time)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE cdrs (
            pk INTEGER PRIMARY KEY,
            country_code TEXT NOT NULL,
            party_id TEXT NOT NULL,
            id TEXT NOT NULL,
            partner_id INTEGER REFERENCES partners(id) ON DELETE SET NULL,
            session_id TEXT,
            authorization_reference TEXT,
            location_id TEXT NOT NULL,
            evse_uid TEXT NOT NULL,
            token_uid TEXT NOT NULL,
            contract_id TEXT NOT NULL,
            start_date_time INTEGER NOT NULL,
            end_date_time INTEGER NOT NULL,
            total_energy REAL NOT NULL,
            total_time REAL NOT NULL,
            currency TEXT NOT NULL,
            total_cost_excl REAL NOT NULL,
            total_cost_incl REAL,
            credit INTEGER NOT NULL DEFAULT 0,
            credit_reference_id TEXT,
            last_updated INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            data TEXT NOT NULL,
            UNIQUE (country_code, party_id, id)
        )
        """,
        "CREATE INDEX cdrs_session ON cdrs(country_code, party_id, session_id)",
        "CREATE INDEX cdrs_partner ON cdrs(partner_id, last_updated)",
        # Commands we sent; id is the uuid at the end of the response_url we gave.
        """
        CREATE TABLE commands (
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            partner_id INTEGER REFERENCES partners(id) ON DELETE SET NULL,
            country_code TEXT NOT NULL,        -- the CPO addressed
            party_id TEXT NOT NULL,
            location_id TEXT,
            evse_uid TEXT,
            connector_id TEXT,
            token_uid TEXT,
            token_type TEXT,
            authorization_reference TEXT,
            session_id TEXT,                   -- STOP_SESSION's, or the session a start led to
            state TEXT NOT NULL,               -- SENDING WAITING DONE FAILED TIMED_OUT ERROR
            response TEXT,
            response_message TEXT,
            timeout_s INTEGER,
            result TEXT,
            result_message TEXT,
            error TEXT,
            error_code INTEGER,
            created_at INTEGER NOT NULL,
            answered_at INTEGER,
            deadline INTEGER,                  -- no result by then: TIMED_OUT
            result_at INTEGER
        )
        """,
        "CREATE INDEX commands_state ON commands(state)",
        "CREATE INDEX commands_authorization ON commands(authorization_reference)",
        "CREATE INDEX commands_session ON commands(country_code, party_id, session_id)",
        # Real-time authorisations we answered (the reference is what the session carries).
        """
        CREATE TABLE authorizations (
            reference TEXT PRIMARY KEY,
            partner_id INTEGER REFERENCES partners(id) ON DELETE SET NULL,
            requested_by TEXT,                 -- 'CC*PID' from OCPI-from, when sent
            token_uid TEXT NOT NULL,
            token_type TEXT NOT NULL,
            contract_id TEXT NOT NULL,
            location_id TEXT,
            evse_uids TEXT,                    -- JSON list
            allowed TEXT NOT NULL,
            at INTEGER NOT NULL
        )
        """,
        "CREATE INDEX authorizations_token ON authorizations(token_uid, at)",
        # Limits on a token beyond valid/blocked (real-time authorisation answers from them).
        """
        CREATE TABLE token_policies (
            country_code TEXT NOT NULL,
            party_id TEXT NOT NULL,
            uid TEXT NOT NULL,
            expires_at INTEGER,                -- EXPIRED from then on
            no_credit INTEGER NOT NULL DEFAULT 0,  -- NO_CREDIT
            allowed_cpos TEXT,                 -- JSON ['DE*VOL', ...]; others: NOT_ALLOWED
            PRIMARY KEY (country_code, party_id, uid)
        )
        """,
        # The last push of each token to each partner (PUT until one succeeded, then PATCH).
        """
        CREATE TABLE token_pushes (
            partner_id INTEGER NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
            country_code TEXT NOT NULL,
            party_id TEXT NOT NULL,
            uid TEXT NOT NULL,
            delivered INTEGER NOT NULL DEFAULT 0,  -- a PUT succeeded once: the partner has it
            method TEXT NOT NULL,
            ok INTEGER NOT NULL,
            valid INTEGER NOT NULL,            -- what the push said
            error TEXT,
            at INTEGER NOT NULL,
            PRIMARY KEY (partner_id, country_code, party_id, uid)
        )
        """,
        # Pushes we refused (malformed, another party's object, unknown target), per partner.
        """
        CREATE TABLE push_rejections (
            partner_id INTEGER NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
            module TEXT NOT NULL,
            rejected INTEGER NOT NULL DEFAULT 0,
            last_status_code INTEGER,
            last_reason TEXT,
            last_at INTEGER,
            PRIMARY KEY (partner_id, module)
        )
        """,
        # Every OCPI request in and out. Credentials tokens are never stored: no headers, and
        # every "token": "..." string of a body is redacted before it gets here.
        """
        CREATE TABLE ocpi_messages (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            partner_id INTEGER,                -- no foreign key: the log outlives partners
            partner TEXT,
            method TEXT NOT NULL,
            url TEXT NOT NULL,
            http_status INTEGER,               -- NULL: no answer (transport error)
            status_code INTEGER,               -- the OCPI envelope's, when there is one
            request_id TEXT,
            correlation_id TEXT,
            session_id TEXT,                   -- links for the support console's timeline
            authorization_reference TEXT,
            command_id TEXT,
            duration_ms REAL,
            error TEXT,
            request_body TEXT,
            response_body TEXT
        )
        """,
        "CREATE INDEX ocpi_messages_at ON ocpi_messages(at)",
        "CREATE INDEX ocpi_messages_session ON ocpi_messages(session_id) WHERE session_id IS NOT NULL",
        """CREATE INDEX ocpi_messages_authorization ON ocpi_messages(authorization_reference)
           WHERE authorization_reference IS NOT NULL""",
        "CREATE INDEX ocpi_messages_command ON ocpi_messages(command_id) WHERE command_id IS NOT NULL",
        "CREATE INDEX ocpi_messages_correlation ON ocpi_messages(correlation_id)",
    ],
    # 5: each searchable location's unit vector beside its facets, so that a search driven by
    # its text matches measures their distances from this narrow table (a lookup by pk) rather
    # than by id in the R*Tree (about 4x the cost). Copied from the R*Tree for stored rows.
    [
        "ALTER TABLE location_facets ADD COLUMN x INTEGER",
        "ALTER TABLE location_facets ADD COLUMN y INTEGER",
        "ALTER TABLE location_facets ADD COLUMN z INTEGER",
        """
        UPDATE location_facets SET (x, y, z) = (
            SELECT g.min_x, g.min_y, g.min_z FROM location_geo g WHERE g.id = location_facets.pk)
        """,
    ],
    # 6: thinner rows for a full sync (about a quarter of its write time went to them). The
    # EVSE table only counted UNKNOWN EVSEs: now a column. Connector rows become one row per
    # (standard, power type, on an AVAILABLE EVSE) of the EVSEs not REMOVED, with the fastest
    # power: all that "a 150 kW CCS" needs, in about a third of the rows.
    [
        "ALTER TABLE locations ADD COLUMN evses_unknown INTEGER NOT NULL DEFAULT 0",
        """
        UPDATE locations SET evses_unknown = (
            SELECT count(*) FROM evses e
            WHERE e.location_pk = locations.pk AND e.status = 'UNKNOWN')
        WHERE pk IN (SELECT location_pk FROM evses WHERE status = 'UNKNOWN')
        """,
        """
        CREATE TABLE location_connectors (
            location_pk INTEGER NOT NULL,
            standard TEXT NOT NULL,
            power_type TEXT NOT NULL,
            available INTEGER NOT NULL,        -- 1: on an AVAILABLE EVSE
            max_kw REAL NOT NULL,              -- the fastest such connector
            PRIMARY KEY (location_pk, standard, power_type, available)
        ) WITHOUT ROWID
        """,
        """
        INSERT INTO location_connectors
        SELECT location_pk, standard, power_type, evse_status = 'AVAILABLE', max(max_kw)
        FROM connectors WHERE evse_status != 'REMOVED'
        GROUP BY location_pk, standard, power_type, evse_status = 'AVAILABLE'
        """,
        "DROP TRIGGER locations_cleanup",
        """
        CREATE TRIGGER locations_cleanup AFTER DELETE ON locations BEGIN
            DELETE FROM location_json WHERE pk = old.pk;
            DELETE FROM location_facets WHERE pk = old.pk;
            DELETE FROM location_connectors WHERE location_pk = old.pk;
            DELETE FROM location_hours_exceptions WHERE location_pk = old.pk;
            DELETE FROM location_fts WHERE rowid = old.pk;
            DELETE FROM location_geo WHERE id = old.pk;
        END
        """,
        "DROP TABLE evses",
        "DROP TABLE connectors",
    ],
    # 7: prices per power class. A location's tariff_ids also say which class each tariff is
    # on (' T1 T2 AC:T1 DC:T2 ', from connectors of EVSEs not REMOVED), and its facets keep the
    # cheapest AC and DC energy price beside the overall one: "DC under 0.45" must not be met
    # by the station's AC price. Stored locations get their class tokens from their JSON.
    [
        "ALTER TABLE location_facets ADD COLUMN energy_price_ac REAL",
        "ALTER TABLE location_facets ADD COLUMN energy_price_dc REAL",
        """
        UPDATE locations SET tariff_ids = (
            SELECT ' ' || group_concat(token, ' ') || ' ' FROM (
                SELECT DISTINCT upper(t.value) AS token
                FROM location_json j, json_each(j.data, '$.evses') e,
                     json_each(e.value, '$.connectors') c, json_each(c.value, '$.tariff_ids') t
                WHERE j.pk = locations.pk
                UNION
                SELECT DISTINCT CASE json_extract(c.value, '$.power_type') WHEN 'DC' THEN 'DC:'
                       ELSE 'AC:' END || upper(t.value)
                FROM location_json j, json_each(j.data, '$.evses') e,
                     json_each(e.value, '$.connectors') c, json_each(c.value, '$.tariff_ids') t
                WHERE j.pk = locations.pk AND json_extract(e.value, '$.status') != 'REMOVED'
                ORDER BY 1))
        WHERE tariff_ids IS NOT NULL
        """,
        "DROP TRIGGER tariffs_price_insert",
        "DROP TRIGGER tariffs_price_update",
        "DROP TRIGGER tariffs_price_delete",
        """
        CREATE TRIGGER tariffs_price_insert AFTER INSERT ON tariffs BEGIN
            UPDATE location_facets SET (energy_price, price_currency) = (
                SELECT min(t.energy_price), t.currency FROM locations l JOIN tariffs t
                  ON t.country_code = l.country_code AND t.party_id = l.party_id
                 AND instr(l.tariff_ids, ' ' || t.id || ' ') AND t.energy_price IS NOT NULL
                WHERE l.pk = location_facets.pk), (energy_price_ac, energy_price_dc) = (
                SELECT min(CASE WHEN instr(l.tariff_ids, ' AC:' || t.id || ' ')
                           THEN t.energy_price END),
                       min(CASE WHEN instr(l.tariff_ids, ' DC:' || t.id || ' ')
                           THEN t.energy_price END)
                FROM locations l JOIN tariffs t
                  ON t.country_code = l.country_code AND t.party_id = l.party_id
                 AND instr(l.tariff_ids, ' ' || t.id || ' ') AND t.energy_price IS NOT NULL
                WHERE l.pk = location_facets.pk)
            WHERE pk IN (SELECT pk FROM locations WHERE country_code = new.country_code
                AND party_id = new.party_id AND instr(tariff_ids, ' ' || new.id || ' '));
        END
        """,
        """
        CREATE TRIGGER tariffs_price_update AFTER UPDATE OF energy_price, currency ON tariffs
        WHEN old.energy_price IS NOT new.energy_price OR old.currency IS NOT new.currency BEGIN
            UPDATE location_facets SET (energy_price, price_currency) = (
                SELECT min(t.energy_price), t.currency FROM locations l JOIN tariffs t
                  ON t.country_code = l.country_code AND t.party_id = l.party_id
                 AND instr(l.tariff_ids, ' ' || t.id || ' ') AND t.energy_price IS NOT NULL
                WHERE l.pk = location_facets.pk), (energy_price_ac, energy_price_dc) = (
                SELECT min(CASE WHEN instr(l.tariff_ids, ' AC:' || t.id || ' ')
                           THEN t.energy_price END),
                       min(CASE WHEN instr(l.tariff_ids, ' DC:' || t.id || ' ')
                           THEN t.energy_price END)
                FROM locations l JOIN tariffs t
                  ON t.country_code = l.country_code AND t.party_id = l.party_id
                 AND instr(l.tariff_ids, ' ' || t.id || ' ') AND t.energy_price IS NOT NULL
                WHERE l.pk = location_facets.pk)
            WHERE pk IN (SELECT pk FROM locations WHERE country_code = new.country_code
                AND party_id = new.party_id AND instr(tariff_ids, ' ' || new.id || ' '));
        END
        """,
        """
        CREATE TRIGGER tariffs_price_delete AFTER DELETE ON tariffs BEGIN
            UPDATE location_facets SET (energy_price, price_currency) = (
                SELECT min(t.energy_price), t.currency FROM locations l JOIN tariffs t
                  ON t.country_code = l.country_code AND t.party_id = l.party_id
                 AND instr(l.tariff_ids, ' ' || t.id || ' ') AND t.energy_price IS NOT NULL
                WHERE l.pk = location_facets.pk), (energy_price_ac, energy_price_dc) = (
                SELECT min(CASE WHEN instr(l.tariff_ids, ' AC:' || t.id || ' ')
                           THEN t.energy_price END),
                       min(CASE WHEN instr(l.tariff_ids, ' DC:' || t.id || ' ')
                           THEN t.energy_price END)
                FROM locations l JOIN tariffs t
                  ON t.country_code = l.country_code AND t.party_id = l.party_id
                 AND instr(l.tariff_ids, ' ' || t.id || ' ') AND t.energy_price IS NOT NULL
                WHERE l.pk = location_facets.pk)
            WHERE pk IN (SELECT pk FROM locations WHERE country_code = old.country_code
                AND party_id = old.party_id AND instr(tariff_ids, ' ' || old.id || ' '));
        END
        """,
        # Fill the new columns of the stored locations (a no-op UPDATE would not fire: set them).
        """
        UPDATE location_facets SET (energy_price_ac, energy_price_dc) = (
            SELECT min(CASE WHEN instr(l.tariff_ids, ' AC:' || t.id || ' ')
                       THEN t.energy_price END),
                   min(CASE WHEN instr(l.tariff_ids, ' DC:' || t.id || ' ')
                       THEN t.energy_price END)
            FROM locations l JOIN tariffs t
              ON t.country_code = l.country_code AND t.party_id = l.party_id
             AND instr(l.tariff_ids, ' ' || t.id || ' ') AND t.energy_price IS NOT NULL
            WHERE l.pk = location_facets.pk)
        WHERE energy_price IS NOT NULL
        """,
    ],
    # 8: partner trust. Every change of a partner's parties (registration, credentials update,
    # hub client list), for support: who, what was added or dropped, and why. And the ways a
    # partner deviates from 2.2.1 that we read anyway (a wrapped object, a null, a missing
    # field), counted per partner and kind so that an integrator can be told what to fix.
    [
        """
        CREATE TABLE partner_party_changes (
            id INTEGER PRIMARY KEY,
            partner_id INTEGER REFERENCES partners(id) ON DELETE SET NULL,
            partner_name TEXT NOT NULL,
            at INTEGER NOT NULL,
            action TEXT NOT NULL,
            added TEXT NOT NULL DEFAULT '',
            dropped TEXT NOT NULL DEFAULT '',
            refused TEXT NOT NULL DEFAULT '',
            reason TEXT
        )
        """,
        "CREATE INDEX partner_party_changes_by_partner ON partner_party_changes (partner_id, at)",
        """
        CREATE TABLE partner_deviations (
            partner_id INTEGER NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            seen INTEGER NOT NULL DEFAULT 0,
            last_detail TEXT,
            last_at INTEGER,
            PRIMARY KEY (partner_id, kind)
        )
        """,
    ],
    # 9: billing. Driver accounts (billing details and price plan; the app's driver is
    # account 1, created on first use) and the account of each card (existing cards: 1). The
    # documents we issue (invoices, credit notes), numbered gapless per series and year from
    # document_counters in the transaction that inserts them, and never changed afterwards
    # (the triggers refuse it). Each CDR's audit against its tariff.
    [
        """
        CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            street TEXT NOT NULL DEFAULT '',
            postal_code TEXT NOT NULL DEFAULT '',
            city TEXT NOT NULL DEFAULT '',
            country TEXT NOT NULL DEFAULT '',  -- ISO 3166-1 alpha-2
            company TEXT,
            vat_id TEXT,
            plan TEXT,                         -- a price plan's name; NULL: the default plan
            created_at INTEGER NOT NULL        -- epoch milliseconds
        )
        """,
        # No REFERENCES: SQLite cannot add a column with a foreign key and a default.
        "ALTER TABLE tokens ADD COLUMN account_id INTEGER NOT NULL DEFAULT 1",
        "CREATE INDEX tokens_account ON tokens(account_id)",
        """
        CREATE TABLE document_counters (
            series TEXT NOT NULL,
            year INTEGER NOT NULL,
            last INTEGER NOT NULL,
            PRIMARY KEY (series, year)
        )
        """,
        """
        CREATE TRIGGER document_counters_forward BEFORE UPDATE ON document_counters
        WHEN new.last != old.last + 1 OR new.series != old.series OR new.year != old.year BEGIN
            SELECT RAISE(ABORT, 'document counters only count up by one');
        END
        """,
        """
        CREATE TRIGGER document_counters_kept BEFORE DELETE ON document_counters BEGIN
            SELECT RAISE(ABORT, 'document counters are never deleted');
        END
        """,
        """
        CREATE TABLE billing_documents (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('INVOICE', 'CREDIT_NOTE')),
            series TEXT NOT NULL,
            year INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            number TEXT NOT NULL UNIQUE,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            cdr_country_code TEXT,             -- the CDR it bills (or credits), upper case
            cdr_party_id TEXT,
            cdr_id TEXT,
            period TEXT,                       -- YYYY-MM of a monthly fee's invoice
            corrects_id INTEGER REFERENCES billing_documents(id),  -- a credit note's invoice
            issued_at INTEGER NOT NULL,        -- epoch milliseconds
            supply_date TEXT NOT NULL,         -- YYYY-MM-DD
            document_json TEXT NOT NULL,       -- the Document as issued (Decimals as strings)
            gross TEXT NOT NULL,               -- Decimal as text
            currency TEXT NOT NULL,
            UNIQUE (series, year, seq)
        )
        """,
        # One invoice per CDR, one credit note per credit CDR, one monthly fee per month.
        """
        CREATE UNIQUE INDEX billing_documents_per_cdr
        ON billing_documents(kind, cdr_country_code, cdr_party_id, cdr_id)
        WHERE cdr_id IS NOT NULL
        """,
        """
        CREATE UNIQUE INDEX billing_documents_per_period ON billing_documents(account_id, period)
        WHERE period IS NOT NULL
        """,
        "CREATE INDEX billing_documents_account ON billing_documents(account_id, issued_at)",
        "CREATE INDEX billing_documents_corrects ON billing_documents(corrects_id)",
        # The number must be the one its counter just gave: no gap, no reuse.
        """
        CREATE TRIGGER billing_documents_numbered BEFORE INSERT ON billing_documents
        WHEN new.seq IS NOT (SELECT last FROM document_counters
                             WHERE series = new.series AND year = new.year) BEGIN
            SELECT RAISE(ABORT, 'a document number must come from its counter');
        END
        """,
        """
        CREATE TRIGGER billing_documents_no_update BEFORE UPDATE ON billing_documents BEGIN
            SELECT RAISE(ABORT, 'issued documents are never changed: issue a credit note');
        END
        """,
        """
        CREATE TRIGGER billing_documents_no_delete BEFORE DELETE ON billing_documents BEGIN
            SELECT RAISE(ABORT, 'issued documents are never deleted: issue a credit note');
        END
        """,
        """
        CREATE TABLE cdr_audits (
            country_code TEXT NOT NULL,
            party_id TEXT NOT NULL,
            cdr_id TEXT NOT NULL,
            audit_json TEXT NOT NULL,          -- the CdrAudit (Decimals as strings)
            matches INTEGER NOT NULL,
            audited_at INTEGER NOT NULL,       -- epoch milliseconds
            PRIMARY KEY (country_code, party_id, cdr_id)
        )
        """,
        "CREATE INDEX cdr_audits_flagged ON cdr_audits(audited_at) WHERE matches = 0",
    ],
    # 10: a credit CDR's link to the CDR it corrects, found without scanning the party's CDRs
    # (looked up each time a CDR is invoiced, issue #12).
    [
        """
        CREATE INDEX cdrs_credit_reference ON cdrs(country_code, party_id, credit_reference_id)
        WHERE credit = 1
        """,
    ],
]
