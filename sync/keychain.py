"""Following the hub's key rotation (`kiosk-hub rotate-key`; docs/hub.md, "GET /api/v1/keys").

After a rotation the hub signs manifests with its new key. A terminal whose pinned key no longer
verifies an answer asks for the chain, walks it from its pinned key -- each later key must be
signed by the one before (`sync.signing.verify_rotation`) -- and, when the newest key it reached
verifies the answer, pins that key in identity.json. A key the pinned one never signed is refused.
"""
from __future__ import annotations

from sync import identity as identity_file
from sync import signing
from sync.http import HubHttp, HubProblem
from sync.identity import Identity

__all__ = ["verify_following_rotation"]

MAX_KEYS = 100


def _chain(http: HubHttp) -> list[tuple[str, str | None]]:
    body = http.request("GET", "/api/v1/keys").json("key chain")
    keys = body.get("keys")
    if not isinstance(keys, list) or not keys or len(keys) > MAX_KEYS:
        raise HubProblem("the hub's key chain is malformed", retry=True)
    out = []
    for entry in keys:
        if not isinstance(entry, dict) or not isinstance(entry.get("public_key"), str) \
                or not isinstance(entry.get("rotation_signature"), (str, type(None))):
            raise HubProblem("the hub's key chain is malformed", retry=True)
        out.append((entry["public_key"], entry["rotation_signature"]))
    return out


def verify_following_rotation(http: HubHttp, me: Identity, data_dir, body: bytes, signature: str) -> Identity:
    """Return the identity whose key verifies `signature` over `body`: `me`, or `me` with a newer
    key reached through the chain (then saved). SignatureError when no such key exists."""
    try:
        signing.verify(me.hub_public_key, body, signature)
        return me
    except signing.SignatureError as first:
        problem = first
    chain = _chain(http)
    publics = [public for public, _ in chain]
    if me.hub_public_key not in publics:
        raise signing.SignatureError(f"{problem}; the pinned key is not in the hub's key chain: "
                                     "another hub, or a forged answer (re-enrol with --force if the hub was reinstalled)")
    key = me.hub_public_key
    for public, proof in chain[publics.index(me.hub_public_key) + 1:]:
        if proof is None:
            raise signing.SignatureError("the hub's key chain has a key without the previous key's signature")
        signing.verify_rotation(key, public, proof)
        key = public
    signing.verify(key, body, signature)  # SignatureError: not even the newest key signed it
    newer = me.model_copy(update={"hub_public_key": key})
    identity_file.save(data_dir, newer)
    return newer
