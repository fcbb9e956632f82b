// sm-crypto for SM2 key generation and SM3/SM2 signing, @peculiar/asn1-x509 for the certificate structure.
// No JavaScript X.509 library makes SM2 certificates, so the TBSCertificate is built here by hand.
import { createHash } from 'node:crypto';
import smCrypto from 'sm-crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { SM2_SIGNER_ID, SUBJECT, randomSerial, toPem, validity } from '../lib/profile.mjs';

export const name = 'sm-crypto + @peculiar/asn1-x509';
export const algorithms = ['SM2_256'];

const { sm2 } = smCrypto;
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_SM2_WITH_SM3 = '1.2.156.10197.1.501';
const DER_OID_SM2_CURVE = Buffer.from('06082a811ccf5501822d', 'hex'); // OBJECT IDENTIFIER 1.2.156.10197.1.301
const ATTRIBUTE_OIDS = { C: '2.5.4.6', ST: '2.5.4.8', L: '2.5.4.7', O: '2.5.4.10', OU: '2.5.4.11', CN: '2.5.4.3' };

const arrayBuffer = (bytes) => new Uint8Array(bytes).buffer;

function subjectName() {
  return new asn.Name(SUBJECT.map(([k, v]) => new asn.RelativeDistinguishedName([
    new asn.AttributeTypeAndValue({
      type: ATTRIBUTE_OIDS[k],
      value: new asn.AttributeValue(k === 'C' ? { printableString: v } : { utf8String: v }),
    }),
  ])));
}

function extension(extnID, critical, value) {
  return new asn.Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

export async function create(algorithm) {
  const { publicKey, privateKey } = sm2.generateKeyPairHex();
  const publicKeyBytes = Buffer.from(publicKey, 'hex'); // 04 || x || y
  const keyId = createHash('sha1').update(publicKeyBytes).digest(); // RFC 5280 method 1
  const signatureAlgorithm = new asn.AlgorithmIdentifier({ algorithm: OID_SM2_WITH_SM3 }); // no parameters
  const name = subjectName();

  const tbs = new asn.TBSCertificate({
    version: asn.Version.v3,
    serialNumber: arrayBuffer(randomSerial()),
    signature: signatureAlgorithm,
    issuer: name,
    validity: new asn.Validity(validity()),
    subject: name,
    subjectPublicKeyInfo: new asn.SubjectPublicKeyInfo({
      algorithm: new asn.AlgorithmIdentifier({ algorithm: OID_EC_PUBLIC_KEY, parameters: arrayBuffer(DER_OID_SM2_CURVE) }),
      subjectPublicKey: arrayBuffer(publicKeyBytes),
    }),
    extensions: new asn.Extensions([
      extension(asn.id_ce_basicConstraints, true, new asn.BasicConstraints({ cA: true })),
      extension(asn.id_ce_keyUsage, true, new asn.KeyUsage(asn.KeyUsageFlags.keyCertSign | asn.KeyUsageFlags.cRLSign)),
      extension(asn.id_ce_subjectKeyIdentifier, false, new asn.SubjectKeyIdentifier(keyId)),
      extension(asn.id_ce_authorityKeyIdentifier, false, new asn.AuthorityKeyIdentifier({ keyIdentifier: new asn.KeyIdentifier(keyId) })),
    ]),
  });

  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  // hash: true makes sm-crypto sign SM3(Z || TBS), Z taken over the signer ID; der: true gives SEQUENCE { r, s }.
  const signature = sm2.doSignature(tbsDer, privateKey, { hash: true, der: true, publicKey, userId: SM2_SIGNER_ID });
  const cert = new asn.Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm,
    signatureValue: arrayBuffer(Buffer.from(signature, 'hex')),
  });
  return toPem(AsnConvert.serialize(cert));
}
