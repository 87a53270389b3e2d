"""Make the federation test's certificates and node keys with the algorithms the stacks use.

Run with the Flower virtualenv's Python (it has `cryptography`; the synth environment does not):

    .venv-flower/bin/python tests/flower_pki.py OUT_DIR --san DNS_OR_IP ... --node NAME ...
        [--ca-curve P256] [--server-curve P256] [--node-curve P384]

Writes `ca.crt` (ECDSA P-256, self-signed, like `tls_self_signed_cert` over an ECDSA P256 key),
`server.key`/`server.pem` (ECDSA P-256 signed by the CA, the given SANs, like
`tls_locally_signed_cert`), and for every node `NAME` an ECDSA P-384 key pair in OpenSSH format
(`NAME` = private key, `NAME.pub` = public key), which is what Terraform's `tls_private_key`
(algorithm ECDSA, ecdsa_curve P384) exposes as `private_key_openssh`/`public_key_openssh`.
With `--ca-only NAME` a second, unrelated CA is written as `NAME.crt` (a SuperNode trusting it
must fail to connect).
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=2)
CURVES = {"P256": ec.SECP256R1, "P384": ec.SECP384R1, "P521": ec.SECP521R1}
"""Terraform `tls_private_key.ecdsa_curve` names -> curves."""


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "fedinfra test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_ca(common_name: str, curve: str = "P256") -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A self-signed ECDSA CA certificate (P-256 unless told)."""
    key = ec.generate_private_key(CURVES[curve]())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_server_cert(
    ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, sans: list[str], curve: str = "P256"
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """An ECDSA server certificate for `sans` (IPs and DNS names), signed by the CA."""
    key = ec.generate_private_key(CURVES[curve]())
    names: list[x509.GeneralName] = []
    for san in sans:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(san)))
        except ValueError:
            names.append(x509.DNSName(san))
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(sans[0]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def write_node_key(out: Path, name: str, curve: str = "P384") -> None:
    """An ECDSA key pair (P-384 unless told) in OpenSSH format: `name` (private) and `name.pub`."""
    key = ec.generate_private_key(CURVES[curve]())
    (out / name).write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
    )
    (out / name).chmod(0o600)
    (out / f"{name}.pub").write_bytes(
        key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH) + b"\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--san", action="append", default=[])
    parser.add_argument("--node", action="append", default=[])
    parser.add_argument("--ca-only", action="append", default=[])
    parser.add_argument("--ca-curve", choices=CURVES, default="P256")
    parser.add_argument("--server-curve", choices=CURVES, default="P256")
    parser.add_argument("--node-curve", choices=CURVES, default="P384")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    if args.san:
        ca_key, ca_cert = make_ca("fedinfra federation CA", args.ca_curve)
        (out / "ca.crt").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        key, cert = make_server_cert(ca_key, ca_cert, args.san, args.server_curve)
        (out / "server.key").write_bytes(_pem_key(key))
        (out / "server.key").chmod(0o600)
        (out / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    for name in args.ca_only:
        _, other = make_ca(f"unrelated CA {name}", args.ca_curve)
        (out / f"{name}.crt").write_bytes(other.public_bytes(serialization.Encoding.PEM))
    for name in args.node:
        write_node_key(out, name, args.node_curve)


if __name__ == "__main__":
    main()
