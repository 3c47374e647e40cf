"""The manifest's exact bytes and the delta between two manifests (DESIGN.md, "Hub ↔ terminal wire").

A manifest is `{format, version, created_at, centre, items:[{id, kind, sha256, size}],
blobs:[{sha256, size, mime}]}`, the shape of a content bundle's manifest.json (content.check).
The hub serialises it canonically (`encode`: keys sorted, no spaces, UTF-8, items by id, blobs by
sha256) and signs those bytes. Because the form is canonical, a terminal that holds the previous
manifest can rebuild the new one byte for byte from a small delta (`apply_delta`) and check the
hub's signature of the *full* new manifest over the bytes it rebuilt: a change of one guide in a
2,000-item centre then costs the delta (a few hundred bytes) and the guide's document, not the
whole 200 KB manifest again.

A delta (`make_delta`) is `{format, delta: DELTA_FORMAT, base, version, created_at, centre,
items: [entries added or changed], removed_items: [ids], blobs: [entries added],
removed_blobs: [sha256], manifest_sha256}` where `manifest_sha256` is the sha256 of the full new
manifest's bytes. On the wire: `A-IM: manifest-delta` + `If-None-Match: "<base version>"` asks for
one; `226 IM Used` answers with it (RFC 3229), `X-Signature` being the signature of the full new
manifest.
"""
from __future__ import annotations

import hashlib
import json

FORMAT = 1
DELTA_FORMAT = "manifest-delta"   # the A-IM / IM token too


class DeltaError(ValueError):
    """A delta that does not apply to the manifest at hand (the client then asks for the full one)."""


def encode(manifest: dict) -> bytes:
    """The canonical bytes of a manifest (or a delta): sorted lists, sorted keys, compact UTF-8."""
    body = dict(manifest)
    if "items" in body and "delta" not in body:
        body["items"] = sorted(body["items"], key=lambda e: e["id"])
        body["blobs"] = sorted(body["blobs"], key=lambda e: e["sha256"])
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_version(items: list[dict], blobs: list[dict]) -> str:
    """The version names the content: the same items and blobs give the same version."""
    key = {"items": sorted(items, key=lambda e: e["id"]), "blobs": sorted(blobs, key=lambda e: e["sha256"])}
    return hashlib.sha256(encode(key)).hexdigest()[:20]


def make_delta(old: dict, new: dict, new_body: bytes) -> dict:
    """The delta that turns manifest `old` into `new` (whose canonical bytes are `new_body`)."""
    old_items = {e["id"]: e for e in old["items"]}
    new_items = {e["id"]: e for e in new["items"]}
    old_blobs = {e["sha256"] for e in old["blobs"]}
    new_blobs = {e["sha256"]: e for e in new["blobs"]}
    return {
        "format": FORMAT,
        "delta": DELTA_FORMAT,
        "base": old["version"],
        "version": new["version"],
        "created_at": new["created_at"],
        "centre": new["centre"],
        "items": sorted((e for i, e in new_items.items() if old_items.get(i) != e), key=lambda e: e["id"]),
        "removed_items": sorted(i for i in old_items if i not in new_items),
        "blobs": sorted((e for s, e in new_blobs.items() if s not in old_blobs), key=lambda e: e["sha256"]),
        "removed_blobs": sorted(s for s in old_blobs if s not in new_blobs),
        "manifest_sha256": hashlib.sha256(new_body).hexdigest(),
    }


def apply_delta(old: dict, delta: dict) -> bytes:
    """The full new manifest's canonical bytes; DeltaError when `delta` is not for `old` or the
    result is not the manifest the hub meant (its sha256 differs)."""
    try:
        if delta.get("delta") != DELTA_FORMAT or delta["base"] != old["version"] or delta["centre"] != old["centre"]:
            raise DeltaError(f"this delta is from version {delta.get('base')!r}, the manifest held is "
                             f"{old.get('version')!r}")
        items = {e["id"]: e for e in old["items"]}
        for i in delta["removed_items"]:
            items.pop(i, None)
        items.update({e["id"]: e for e in delta["items"]})
        blobs = {e["sha256"]: e for e in old["blobs"]}
        for s in delta["removed_blobs"]:
            blobs.pop(s, None)
        blobs.update({e["sha256"]: e for e in delta["blobs"]})
        new = {"format": old.get("format", FORMAT), "version": delta["version"], "created_at": delta["created_at"],
               "centre": delta["centre"], "items": list(items.values()), "blobs": list(blobs.values())}
        body = encode(new)
        expected = delta["manifest_sha256"]
    except (KeyError, TypeError, AttributeError) as exc:
        raise DeltaError(f"malformed delta: {type(exc).__name__} {exc}") from None
    if hashlib.sha256(body).hexdigest() != expected:
        raise DeltaError("the manifest rebuilt from the delta does not match the hub's (sha256 differs)")
    return body
