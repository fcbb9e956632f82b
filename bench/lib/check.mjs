// Checks a peer's certificate once before it is timed. Throws with the reason when it is wrong.
import { X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CURVES, RSA_BITS, SM2_SIGNER_ID, SUBJECT, YEARS } from './profile.mjs';

const EXPECTED_SUBJECT = SUBJECT.map(([k, v]) => `${k}=${v}`).join('\n');
const OPENSSL_CURVE = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };

function openssl(args, input) {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

function expectations(algorithm) {
  if (algorithm in RSA_BITS) {
    return { signature: 'sha256WithRSAEncryption', key: [`Public-Key: (${RSA_BITS[algorithm]} bit)`, 'rsaEncryption'] };
  }
  if (algorithm in CURVES) {
    return { signature: 'ecdsa-with-SHA256', key: [`ASN1 OID: ${OPENSSL_CURVE[CURVES[algorithm]]}`] };
  }
  return { signature: 'SM2-with-SM3', key: ['ASN1 OID: SM2'] };
}

// What Node does not expose: algorithms, key usage, key identifiers. Read from `openssl x509 -text`.
function checkText(pem, algorithm) {
  const { ok, out } = openssl(['x509', '-noout', '-text'], pem);
  if (!ok) throw new Error(`openssl x509 cannot read it: ${out.trim()}`);
  const { signature, key } = expectations(algorithm);
  const sigAlgs = [...out.matchAll(/Signature Algorithm: (\S+)/g)].map((m) => m[1]);
  if (sigAlgs.length !== 2 || sigAlgs.some((s) => s !== signature)) {
    throw new Error(`signature algorithm ${sigAlgs.join(' / ')}, expected ${signature}`);
  }
  for (const k of key) if (!out.includes(k)) throw new Error(`public key: "${k}" not found`);
  if (!/Basic Constraints: critical\s+CA:TRUE\s/.test(out)) throw new Error('basicConstraints is not critical CA:TRUE');
  if (!/Key Usage: critical\s+Certificate Sign, CRL Sign\s/.test(out)) {
    throw new Error('keyUsage is not exactly critical keyCertSign, cRLSign');
  }
  const ski = out.match(/Subject Key Identifier: *\n\s+([0-9A-F:]+)/)?.[1];
  const aki = out.match(/Authority Key Identifier: *\n\s+(?:keyid:)?([0-9A-F:]+)/)?.[1];
  if (!ski) throw new Error('no subjectKeyIdentifier');
  if (aki !== ski) throw new Error(`authorityKeyIdentifier ${aki} is not the SKI ${ski}`);
}

// OpenSSL 3.0 and Node check SM2 certificate signatures with an empty signer ID, so check the
// signature over the TBS bytes ourselves, with the standard ID.
function checkSm2Signature(pem) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sm2-'));
  try {
    const cert = join(dir, 'cert.pem');
    writeFileSync(cert, pem);
    const top = openssl(['asn1parse', '-in', cert]).out.split('\n').filter((l) => /:d=1 /.test(l));
    if (top.length !== 3 || !top[2].includes('BIT STRING')) throw new Error('not TBS, algorithm, BIT STRING');
    const offset = (line) => line.split(':')[0].trim();
    const tbs = join(dir, 'tbs.der');
    const sig = join(dir, 'sig.der');
    const pub = join(dir, 'pub.pem');
    openssl(['asn1parse', '-in', cert, '-strparse', offset(top[0]), '-noout', '-out', tbs]);
    openssl(['asn1parse', '-in', cert, '-strparse', offset(top[2]), '-noout', '-out', sig]);
    openssl(['x509', '-in', cert, '-pubkey', '-noout', '-out', pub]);
    const { ok, out } = openssl(['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-digest', 'sm3',
      '-in', tbs, '-sigfile', sig, '-pkeyopt', `distid:${SM2_SIGNER_ID}`]);
    if (!ok || !out.includes('Signature Verified Successfully')) throw new Error(`SM2 signature: ${out.trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function checkCertificate(pem, algorithm) {
  if (typeof pem !== 'string' || !pem.startsWith('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`not a PEM certificate: ${String(pem).slice(0, 40)}`);
  }
  const cert = new X509Certificate(pem);
  if (cert.ca !== true) throw new Error('not a CA (basicConstraints CA:TRUE missing)');
  if (cert.subject !== EXPECTED_SUBJECT) throw new Error(`subject ${JSON.stringify(cert.subject)}`);
  if (cert.issuer !== cert.subject) throw new Error('issuer differs from subject');
  const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
  if (Math.abs(days - YEARS * 365.25) > 2) throw new Error(`validity of ${days} days, expected ${YEARS} years`);
  checkText(pem, algorithm);
  if (algorithm === 'SM2_256') checkSm2Signature(pem);
  else if (!cert.verify(cert.publicKey)) throw new Error('signature does not verify');
}
