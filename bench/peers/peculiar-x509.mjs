// @peculiar/x509 over Node's WebCrypto (globalThis.crypto): RSA and the NIST curves, all SHA-256.
import 'reflect-metadata'; // tsyringe, used inside @peculiar/x509, needs it loaded first
import * as x509 from '@peculiar/x509';
import { CURVES, ECC_ALGORITHMS, RSA_ALGORITHMS, RSA_BITS, SUBJECT, randomSerial, validity } from '../lib/profile.mjs';

export const name = '@peculiar/x509 + WebCrypto';
export const algorithms = [...RSA_ALGORITHMS, ...ECC_ALGORITHMS];
export const pregenAlgorithms = RSA_ALGORITHMS;

const subtle = globalThis.crypto.subtle;
// Same string types as the other peers: C as PrintableString, the rest UTF8String.
const subjectName = () => new x509.Name(SUBJECT.map(([k, v]) => ({ [k]: [k === 'C' ? { printableString: v } : { utf8String: v }] })));

export async function setup() {
  x509.cryptoProvider.set(globalThis.crypto);
}

function keyAlgorithm(algorithm) {
  return algorithm in RSA_BITS
    ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: RSA_BITS[algorithm], publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
    : { name: 'ECDSA', namedCurve: CURVES[algorithm] };
}

export function generateKey(algorithm) {
  return subtle.generateKey(keyAlgorithm(algorithm), false, ['sign', 'verify']);
}

export async function createWithKey(algorithm, keys) {
  const { notBefore, notAfter } = validity();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial().toString('hex'),
    name: subjectName(),
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: algorithm in RSA_BITS ? { name: 'RSASSA-PKCS1-v1_5' } : { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return cert.toString('pem');
}

export async function create(algorithm) {
  return createWithKey(algorithm, await generateKey(algorithm));
}
