"""Reference Voice access tokens from Twilio's own Python helper library, and an independent
check of another token with PyJWT.

Reads one JSON object on stdin: the inputs (account_sid, key_sid, secret, identity, ttl,
issued_at, nbf or null, incoming, outgoing_application_sid or null, params, push_credential_sid
or null) and `candidate`, a token made elsewhere from the same inputs. Prints JSON with
`reference` (twilio's token, issued at `issued_at`), and the header and claims of both tokens
as PyJWT decodes them after verifying the HS256 signature with the secret.
"""

import json
import sys
from unittest import mock

import jwt
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

spec = json.load(sys.stdin)

with mock.patch("time.time", return_value=spec["issued_at"]):
    token = AccessToken(
        spec["account_sid"],
        spec["key_sid"],
        spec["secret"],
        identity=spec["identity"],
        ttl=spec["ttl"],
        nbf=spec["nbf"],
    )
    token.add_grant(
        VoiceGrant(
            incoming_allow=spec["incoming"],
            outgoing_application_sid=spec["outgoing_application_sid"],
            outgoing_application_params=dict(spec["params"]) or None,
            push_credential_sid=spec["push_credential_sid"],
        )
    )
    reference = token.to_jwt()


def decode(encoded):
    claims = jwt.decode(
        encoded,
        spec["secret"],
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )
    return {"header": jwt.get_unverified_header(encoded), "claims": claims}


json.dump(
    {"reference": reference, "reference_decoded": decode(reference), "candidate_decoded": decode(spec["candidate"])},
    sys.stdout,
)
