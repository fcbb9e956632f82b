// The certificate every peer must produce: one shared definition so no peer gets an easier job.
import { randomBytes } from 'node:crypto';

export const ALGORITHMS = ['RSA_1024', 'RSA_2048', 'RSA_4096', 'ECC_256', 'ECC_384', 'ECC_512', 'SM2_256'];
export const RSA_ALGORITHMS = ['RSA_1024', 'RSA_2048', 'RSA_4096'];
export const ECC_ALGORITHMS = ['ECC_256', 'ECC_384', 'ECC_512'];

export const RSA_BITS = { RSA_1024: 1024, RSA_2048: 2048, RSA_4096: 4096 };
// WebCrypto / OpenSSL curve names. Every curve is signed with SHA-256, as in our profile.
export const CURVES = { ECC_256: 'P-256', ECC_384: 'P-384', ECC_512: 'P-521' };

export const SM2_SIGNER_ID = '1234567812345678';
export const YEARS = 10;

// [short name, value] in RDN order; C is a PrintableString, the rest UTF8String.
export const SUBJECT = [
  ['C', 'CN'],
  ['ST', 'Zhejiang'],
  ['L', 'Hangzhou'],
  ['O', 'Aliyun'],
  ['OU', 'Security'],
  ['CN', '阿里云根CA'],
];
export const SUBJECT_SLASHED = SUBJECT.map(([k, v]) => `/${k}=${v}`).join('');

// The request our package receives (Alibaba Cloud CreateRootCACertificate).
export function rootRequest(algorithm) {
  const get = (k) => SUBJECT.find(([key]) => key === k)[1];
  return {
    CommonName: get('CN'),
    OrganizationUnit: get('OU'),
    Organization: get('O'),
    Locality: get('L'),
    State: get('ST'),
    CountryCode: get('C'),
    Algorithm: algorithm,
    Years: YEARS,
  };
}

export function validity(now = new Date()) {
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + YEARS);
  return { notBefore, notAfter };
}

// 16 random bytes, positive and minimally encoded as a DER INTEGER.
export function randomSerial() {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes;
}

export function toPem(der, label = 'CERTIFICATE') {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
