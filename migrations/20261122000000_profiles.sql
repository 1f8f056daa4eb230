-- Profiles: one per Twilio account (or subaccount) the user connects.
-- Secrets are never here: the API key secret lives in the OS keychain.
CREATE TABLE profiles (
    name           TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    account_sid    TEXT NOT NULL CHECK (account_sid GLOB 'AC*' AND length(account_sid) = 34),
    account_name   TEXT,
    api_key_sid    TEXT NOT NULL CHECK (api_key_sid GLOB 'SK*' AND length(api_key_sid) = 34),
    region         TEXT,
    edge           TEXT,
    subaccount_sid TEXT CHECK (subaccount_sid IS NULL OR (subaccount_sid GLOB 'AC*' AND length(subaccount_sid) = 34)),
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

-- Application settings as key/value pairs (the active profile, chosen devices, ...).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
