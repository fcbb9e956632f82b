// node-forge, RSA only. Not a peer itself: forge-pure.mjs and forge-native.mjs build on it.
// forge.options.usePureJavaScript is global, so every call sets it for the mode it measures.
// Only key generation differs between the modes: forge always signs with its own JS big integers.
import forge from 'node-forge';
import { RSA_ALGORITHMS, RSA_BITS, SUBJECT, randomSerial, validity } from '../lib/profile.mjs';

const { pki, asn1, md } = forge;

function subjectAttributes() {
  return SUBJECT.map(([shortName, value]) => ({
    shortName,
    value,
    valueTagClass: shortName === 'C' ? asn1.Type.PRINTABLESTRING : asn1.Type.UTF8,
  }));
}

export function forgePeer({ pureJavaScript }) {
  const generateKey = async (algorithm) => {
    forge.options.usePureJavaScript = pureJavaScript;
    return pki.rsa.generateKeyPair({ bits: RSA_BITS[algorithm], e: 0x10001 });
  };

  const createWithKey = async (algorithm, keys) => {
    forge.options.usePureJavaScript = pureJavaScript;
    const cert = pki.createCertificate();
    const { notBefore, notAfter } = validity();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = randomSerial().toString('hex');
    cert.validity.notBefore = notBefore;
    cert.validity.notAfter = notAfter;
    cert.setSubject(subjectAttributes());
    cert.setIssuer(subjectAttributes());
    cert.setExtensions([
      { name: 'basicConstraints', critical: true, cA: true },
      { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
      { name: 'subjectKeyIdentifier' },
      { name: 'authorityKeyIdentifier', keyIdentifier: true },
    ]);
    cert.sign(keys.privateKey, md.sha256.create());
    return pki.certificateToPem(cert);
  };

  return {
    name: pureJavaScript ? 'node-forge (pure JS)' : 'node-forge (Node keygen)',
    algorithms: RSA_ALGORITHMS,
    pregenAlgorithms: RSA_ALGORITHMS,
    generateKey,
    createWithKey,
    create: async (algorithm) => createWithKey(algorithm, await generateKey(algorithm)),
  };
}
