"""Reference TwiML from Twilio's own Python helper library.

Reads a JSON list of documents on stdin; each document is a list of verbs
`{"verb": name, "text": str or null, "kwargs": {...}, "children": [...]}` where `kwargs` are
the library's keyword arguments and `children` are nested verbs (Dial nouns, Gather prompts).
Prints a JSON list with `str(VoiceResponse())` for each document.
"""

import json
import sys

from twilio.twiml.voice_response import VoiceResponse


def add(parent, verb):
    method = getattr(parent, verb["verb"])
    args = [verb["text"]] if verb.get("text") is not None else []
    node = method(*args, **verb.get("kwargs", {}))
    for child in verb.get("children", []):
        add(node, child)


out = []
for document in json.load(sys.stdin):
    response = VoiceResponse()
    for verb in document:
        add(response, verb)
    out.append(str(response))
json.dump(out, sys.stdout)
