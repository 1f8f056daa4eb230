-- How text-to-speech should say words it gets wrong ("PixlyPro" as "Pixly Pro"), per account,
-- applied to greeting text before it reaches the routing.
CREATE TABLE pronunciations (
    account_sid TEXT NOT NULL CHECK (account_sid GLOB 'AC*' AND length(account_sid) = 34),
    term        TEXT NOT NULL CHECK (length(term) BETWEEN 1 AND 64),
    say_as      TEXT NOT NULL CHECK (length(say_as) BETWEEN 1 AND 200),
    PRIMARY KEY (account_sid, term)
) STRICT;
