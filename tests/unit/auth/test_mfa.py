import pyotp

from hexad.auth.mfa import new_secret, provisioning_uri, verify_code

NOW = 1_767_225_600.0


def test_current_and_adjacent_steps_are_accepted_once() -> None:
    secret = new_secret()
    code = pyotp.TOTP(secret).at(NOW)
    first = verify_code(secret, code, NOW)
    assert first.ok and first.step == int(NOW // 30)
    assert not verify_code(secret, code, NOW, last_step=first.step).ok
    assert verify_code(secret, pyotp.TOTP(secret).at(NOW - 30), NOW).ok


def test_old_and_malformed_codes_are_rejected() -> None:
    secret = new_secret()
    assert not verify_code(secret, pyotp.TOTP(secret).at(NOW - 120), NOW).ok
    assert not verify_code(secret, "12345", NOW).ok
    assert not verify_code(secret, "abcdef", NOW).ok


def test_provisioning_uri_names_issuer_and_account() -> None:
    uri = provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "ana@example.com")
    assert uri.startswith("otpauth://totp/Hexad:ana%40example.com?")
    assert "issuer=Hexad" in uri
