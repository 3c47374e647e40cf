"""sync.signing: exact-bytes Ed25519 signatures, the wire's base64 forms, key rotation."""
from __future__ import annotations

import base64

import pytest

from sync import signing
from sync.signing import SignatureError

BODY = '{"version":"v1","items":[{"id":"guide-dibao"}],"centre":"幸福里"}'.encode()


@pytest.fixture
def key():
    return signing.generate_private_key()


def test_wire_forms_are_raw_32_and_64_bytes(key):
    pub = signing.public_key_b64(key)
    sig = signing.sign(key, BODY)
    assert len(base64.b64decode(pub, validate=True)) == 32 and len(pub) == 44
    assert len(base64.b64decode(sig, validate=True)) == 64 and len(sig) == 88
    signing.verify(pub, BODY, sig)
    signing.verify(pub, BODY, sig.encode())  # a header value as bytes


def test_one_changed_byte_fails(key):
    pub, sig = signing.public_key_b64(key), signing.sign(key, BODY)
    for i in (0, len(BODY) // 2, len(BODY) - 1):
        tampered = bytearray(BODY)
        tampered[i] ^= 0x01
        with pytest.raises(SignatureError, match="does not match"):
            signing.verify(pub, bytes(tampered), sig)
    with pytest.raises(SignatureError):
        signing.verify(pub, BODY + b"\n", sig)  # same JSON, other bytes: still refused


def test_another_key_fails(key):
    sig = signing.sign(key, BODY)
    other = signing.public_key_b64(signing.generate_private_key())
    with pytest.raises(SignatureError, match="does not match"):
        signing.verify(other, BODY, sig)


def test_tampered_signature_fails(key):
    raw = bytearray(base64.b64decode(signing.sign(key, BODY)))
    raw[10] ^= 0x80
    with pytest.raises(SignatureError, match="does not match"):
        signing.verify(signing.public_key_b64(key), BODY, base64.b64encode(bytes(raw)).decode())


@pytest.mark.parametrize("bad, why", [
    ("", "0 bytes"),
    ("not base64!", "not base64"),
    ("AAAA", "3 bytes"),
    ("签名", "not base64"),
    (base64.b64encode(bytes(64)).decode().rstrip("="), "not base64"),          # padding dropped
    (base64.b64encode(bytes(63)).decode(), "63 bytes"),
    (base64.urlsafe_b64encode(b"\xfb" * 64).decode(), "not base64"),          # the URL-safe alphabet
    (base64.b64encode(bytes(64)).decode()[:-4] + "AB==", "not canonical"),    # non-zero padding bits
])
def test_malformed_signature_is_refused_by_name(key, bad, why):
    with pytest.raises(SignatureError, match=why):
        signing.verify(signing.public_key_b64(key), BODY, bad)


@pytest.mark.parametrize("bad", ["", "xyz", base64.b64encode(bytes(31)).decode(), base64.b64encode(bytes(33)).decode(),
                                 " " + base64.b64encode(bytes(32)).decode()])
def test_malformed_public_key_is_refused(key, bad):
    with pytest.raises(SignatureError, match="public key"):
        signing.verify(bad, BODY, signing.sign(key, BODY))


def test_bodies_must_be_bytes(key):
    with pytest.raises(TypeError):
        signing.sign(key, BODY.decode())
    with pytest.raises(TypeError):
        signing.verify(signing.public_key_b64(key), BODY.decode(), signing.sign(key, BODY))


def test_private_key_pem_round_trip(key):
    again = signing.load_private_key_pem(signing.private_key_pem(key))
    assert signing.public_key_b64(again) == signing.public_key_b64(key)
    with pytest.raises(SignatureError):
        signing.load_private_key_pem(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


def test_rotation_accepted_only_when_the_pinned_key_signed_it(key):
    pinned = signing.public_key_b64(key)
    new = signing.generate_private_key()
    new_b64 = signing.public_key_b64(new)
    proof = signing.sign_rotation(key, new)
    accepted = signing.verify_rotation(pinned, new_b64, proof)
    # the terminal now verifies bodies signed by the new key
    signing.verify(accepted, BODY, signing.sign(new, BODY))
    with pytest.raises(SignatureError):
        signing.verify(accepted, BODY, signing.sign(key, BODY))

    # the new key signing itself proves nothing
    with pytest.raises(SignatureError, match="not signed by the pinned key"):
        signing.verify_rotation(pinned, new_b64, signing.sign_rotation(new, new))
    # a proof for one key does not introduce another
    third = signing.public_key_b64(signing.generate_private_key())
    with pytest.raises(SignatureError, match="not signed by the pinned key"):
        signing.verify_rotation(pinned, third, proof)


def test_rotation_and_body_signatures_never_stand_in_for_each_other(key):
    new = signing.generate_private_key()
    raw_new = base64.b64decode(signing.public_key_b64(new))
    # the old key signing the 32 raw bytes as a "body" is not a rotation proof
    with pytest.raises(SignatureError):
        signing.verify_rotation(signing.public_key_b64(key), signing.public_key_b64(new), signing.sign(key, raw_new))
    # and a rotation proof is not a body signature over those bytes
    with pytest.raises(SignatureError):
        signing.verify(signing.public_key_b64(key), raw_new, signing.sign_rotation(key, new))
