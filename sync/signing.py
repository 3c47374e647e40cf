"""Ed25519 signing of the hub -> terminal wire (DESIGN.md, "Hub <-> terminal wire").

The hub signs the exact bytes of a response body; the terminal verifies those same bytes with the
key it pinned at enrolment. On the wire a public key is the standard base64 (with padding) of the
raw 32-byte Ed25519 key, and `X-Signature` is the base64 of the raw 64-byte signature. Decoding
is strict: characters outside the alphabet, missing padding, non-canonical trailing bits or a
wrong length are refused (`SignatureError`), never "repaired" -- two spellings of one key must not
both pass.

Key rotation: the previous key signs ROTATION_PREFIX + the new raw public key. A terminal that pins
the old key accepts the new one only with that signature (`verify_rotation`), so a hub that
rotates keeps its terminals without re-enrolling them, and a stolen answer cannot plant a key.
The prefix keeps a rotation signature from ever being valid as a body signature and back.
"""
from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
ROTATION_PREFIX = b"lobby-kiosk hub key rotation v1\n"

__all__ = [
    "SignatureError", "generate_private_key", "private_key_pem", "load_private_key_pem", "public_key_b64",
    "load_public_key", "sign", "verify", "sign_rotation", "verify_rotation",
]


class SignatureError(ValueError):
    """A key or signature that is malformed, or a signature that does not match."""


def _b64decode(text: str | bytes, size: int, what: str) -> bytes:
    if isinstance(text, str):
        if not text.isascii():
            raise SignatureError(f"{what} is not base64")
        text = text.encode("ascii")
    if not isinstance(text, bytes):
        raise SignatureError(f"{what} is not base64")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"{what} is not base64") from None
    if len(raw) != size:
        raise SignatureError(f"{what} is {len(raw)} bytes, not {size}")
    if base64.b64encode(raw) != text:  # non-canonical padding bits: a second spelling of the same bytes
        raise SignatureError(f"{what} is not canonical base64")
    return raw


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    """PKCS#8 PEM, unencrypted: the file's mode (0600) is what protects it."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_private_key_pem(data: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise SignatureError("not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError("the PEM key is not an Ed25519 key")
    return key


def _raw_public(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The wire form of a public key: base64 of the raw 32 bytes."""
    return base64.b64encode(_raw_public(key)).decode("ascii")


def load_public_key(text: str | bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_b64decode(text, PUBLIC_KEY_BYTES, "the public key"))


def sign(key: Ed25519PrivateKey, body: bytes) -> str:
    """The `X-Signature` value for exactly these body bytes."""
    if not isinstance(body, bytes):
        raise TypeError("sign the exact body bytes, not a decoded or re-encoded copy")
    return base64.b64encode(key.sign(body)).decode("ascii")


def verify(public_key: str | Ed25519PublicKey, body: bytes, signature: str | bytes) -> None:
    """Return when `signature` is the pinned key's over exactly `body`; SignatureError otherwise."""
    if not isinstance(body, bytes):
        raise TypeError("verify the exact body bytes, not a decoded or re-encoded copy")
    key = public_key if isinstance(public_key, Ed25519PublicKey) else load_public_key(public_key)
    raw = _b64decode(signature, SIGNATURE_BYTES, "the signature")
    try:
        key.verify(raw, body)
    except InvalidSignature:
        raise SignatureError("the signature does not match the body and the pinned key") from None


def sign_rotation(old_key: Ed25519PrivateKey, new_public: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The old key's signature that introduces `new_public` to terminals pinning the old key."""
    return base64.b64encode(old_key.sign(ROTATION_PREFIX + _raw_public(new_public))).decode("ascii")


def verify_rotation(pinned: str | Ed25519PublicKey, new_public: str, signature: str | bytes) -> Ed25519PublicKey:
    """The new key, when the pinned key signed it with `sign_rotation`; SignatureError otherwise."""
    key = pinned if isinstance(pinned, Ed25519PublicKey) else load_public_key(pinned)
    new = load_public_key(new_public)
    raw = _b64decode(signature, SIGNATURE_BYTES, "the rotation signature")
    try:
        key.verify(raw, ROTATION_PREFIX + _raw_public(new))
    except InvalidSignature:
        raise SignatureError("the new key is not signed by the pinned key") from None
    return new
