-- Numbers formatted for people, each beside the number of ours it called or was called from
-- ('' when none), as `format_beside` made them. libphonenumber loads its metadata on first use
-- (about 90 ms); with the forms kept here, a short process (`switchboard voicemail list`) or
-- the app's first inbox page shows numbers without it.
CREATE TABLE number_display (
    number  TEXT NOT NULL,
    beside  TEXT NOT NULL,
    display TEXT NOT NULL,
    PRIMARY KEY (number, beside)
) STRICT, WITHOUT ROWID;
