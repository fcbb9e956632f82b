// Many roots per algorithm from the packed npm package (dist/pkg), each verified by a verifier
// we did not write, so that faults which show once in 256 certificates cannot hide: a serial or
// an ECDSA/SM2 r or s encoded as a non-minimal or wrongly padded INTEGER, an RSA signature one
// octet short. For each certificate:
//
// - Node's X509Certificate parses it (OpenSSL refuses padded INTEGERs) and, for RSA and ECDSA,
//   verify() checks the signature with the certificate's own public key;
// - SM2 signatures are checked by `openssl pkeyutl` with the signer ID 1234567812345678, and
//   must fail with another ID (a negative control that proves the check can fail);
// - a strict DER reader written here checks the serial (exactly 16 content octets, the first
//   in 0x40-0x7F), r and s (minimal, positive, below the curve order) and the RSA signature
//   length (exactly the modulus length);
// - serials, public keys and Identifiers are all distinct.
//
// Counts: REPEAT_COUNT=N makes N roots per algorithm (N/20, at least 1, of RSA_4096). Without
// it: 250 per curve, 50 of RSA_1024, 20 of RSA_2048, 3 of RSA_4096, about 30 seconds. `.ci/repeat
// --full` runs 1000 (50 of RSA_4096). RSA keys come from WebCrypto, the package's fast source
// in Node, several in flight at once.
//
// Needs `.ci/build-pkg` to have run (dist/pkg). Run: node --test tests/js/repeat.test.mjs
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SM2_ID = '1234567812345678';
const WRONG_SM2_ID = '1234567812345679';
const CURVE_ORDERS = {
  ECC_256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ECC_384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  ECC_512: 0x1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
  SM2_256: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
};
const RSA_BITS = { RSA_1024: 1024, RSA_2048: 2048, RSA_4096: 4096 };

function counts() {
  const n = process.env.REPEAT_COUNT ? Number(process.env.REPEAT_COUNT) : undefined;
  assert.ok(n === undefined || (Number.isInteger(n) && n > 0), 'REPEAT_COUNT must be a positive integer');
  const curves = n ?? 250;
  return {
    ECC_256: curves, ECC_384: curves, ECC_512: curves, SM2_256: curves,
    RSA_1024: n ?? 50, RSA_2048: n ?? 20, RSA_4096: n ? Math.max(1, Math.round(n / 20)) : 3,
  };
}

// --- A strict DER reader, independent of the crate ---

/** The TLV at `at`: tag, header length, content start and end. Refuses non-minimal lengths. */
function tlv(der, at) {
  const tag = der[at];
  let length = der[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    assert.ok(count >= 1 && count <= 4, `length of ${count} octets at ${at}`);
    assert.notEqual(der[start], 0, `non-minimal length at ${at}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i];
    assert.ok(length >= 128, `long form for a short length at ${at}`);
    start += count;
  }
  assert.ok(start + length <= der.length, `TLV at ${at} runs past the end`);
  return { tag, at, start, end: start + length };
}

function children(der, node) {
  const out = [];
  for (let at = node.start; at < node.end;) {
    const child = tlv(der, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** A positive INTEGER in minimal DER: returns its value as a BigInt. */
function positiveInteger(der, node, what) {
  assert.equal(node.tag, 0x02, `${what} is not an INTEGER`);
  const bytes = der.subarray(node.start, node.end);
  assert.ok(bytes.length > 0, `${what} is empty`);
  assert.ok(bytes[0] < 0x80, `${what} is negative`);
  if (bytes.length > 1) {
    assert.ok(!(bytes[0] === 0 && bytes[1] < 0x80), `${what} has a needless leading zero`);
  }
  return BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

/** The parts of a certificate: TBS (whole TLV), serial content, SPKI TLV, signature bytes. */
function parts(der) {
  const certificate = tlv(der, 0);
  assert.equal(certificate.end, der.length, 'bytes after the certificate');
  const [tbs, , signature] = children(der, certificate);
  const fields = children(der, tbs);
  const hasVersion = fields[0].tag === 0xa0;
  const serial = fields[hasVersion ? 1 : 0];
  const spki = fields[hasVersion ? 6 : 5];
  assert.equal(signature.tag, 0x03, 'signatureValue is not a BIT STRING');
  assert.equal(der[signature.start], 0, 'signatureValue has unused bits');
  return {
    tbs: der.subarray(tbs.at, tbs.end),
    serial,
    spki: der.subarray(spki.at, spki.end),
    signature: der.subarray(signature.start + 1, signature.end),
  };
}

function checkSerial(der, serial) {
  positiveInteger(der, serial, 'the serial');
  const length = serial.end - serial.start;
  assert.equal(length, 16, `a serial of ${length} octets`);
  const first = der[serial.start];
  assert.ok(first >= 0x40 && first <= 0x7f, `serial first octet 0x${first.toString(16)}`);
  return Buffer.from(der.subarray(serial.start, serial.end)).toString('hex');
}

function checkEcdsaSignature(signature, order) {
  const sequence = tlv(signature, 0);
  assert.equal(sequence.tag, 0x30, 'the signature is not a SEQUENCE');
  assert.equal(sequence.end, signature.length, 'bytes after the signature SEQUENCE');
  const items = children(signature, sequence);
  assert.equal(items.length, 2, 'the signature is not (r, s)');
  for (const [name, node] of [['r', items[0]], ['s', items[1]]]) {
    const value = positiveInteger(signature, node, name);
    assert.ok(value > 0n && value < order, `${name} out of range`);
  }
}

// --- Verifiers we did not write ---

/** Writes the inputs of `openssl pkeyutl` for an SM2 certificate under `dir`. */
function writeSm2Inputs(dir, index, part) {
  const base64 = Buffer.from(part.spki).toString('base64').replace(/.{64}/g, '$&\n');
  writeFileSync(join(dir, `${index}.pub.pem`), `-----BEGIN PUBLIC KEY-----\n${base64}\n-----END PUBLIC KEY-----\n`);
  writeFileSync(join(dir, `${index}.tbs.der`), part.tbs);
  writeFileSync(join(dir, `${index}.sig.der`), part.signature);
}

/**
 * Verifies SM2 signatures with `openssl pkeyutl`, many per shell, two shells at a time. Returns
 * for each index whether it verified with `distid`.
 */
async function opensslSm2Verify(dir, indexes, distid) {
  const batches = [];
  for (let i = 0; i < indexes.length; i += 100) batches.push(indexes.slice(i, i + 100));
  const verified = new Map();
  const runBatch = async (batch) => {
    const script = batch.map((i) => `if openssl pkeyutl -verify -pubin -inkey ${i}.pub.pem -rawin `
      + `-digest sm3 -in ${i}.tbs.der -sigfile ${i}.sig.der -pkeyopt distid:${distid} `
      + `>/dev/null 2>&1; then echo "${i} ok"; else echo "${i} fail"; fi`).join('\n');
    const { stdout } = await run('bash', ['-c', script], { cwd: dir, maxBuffer: 1 << 20 });
    for (const line of stdout.trim().split('\n')) {
      const [i, outcome] = line.split(' ');
      verified.set(Number(i), outcome === 'ok');
    }
  };
  const queue = [...batches];
  await Promise.all([0, 1].map(async () => {
    while (queue.length) await runBatch(queue.shift());
  }));
  return indexes.map((i) => verified.get(i));
}

// --- The test ---

let pkg;
let scratch;

before(async () => {
  const entry = join(ROOT, 'dist/pkg/index.mjs');
  assert.ok(existsSync(entry), 'dist/pkg is missing: run .ci/build-pkg first');
  pkg = await import(pathToFileURL(entry));
  scratch = mkdtempSync(join(tmpdir(), 'private-ca-repeat-'));
});

after(() => rmSync(scratch, { recursive: true, force: true }));

const REQUEST = (algorithm, i) => ({
  CommonName: `Repeat ${algorithm} ${i}`, OrganizationUnit: 'Security', Organization: 'Example',
  Locality: 'Hangzhou', State: 'Zhejiang', CountryCode: 'CN', Algorithm: algorithm, Years: 1,
});

/** Creates `count` roots with at most `inFlight` calls pending at once. */
async function createRoots(ca, algorithm, count, inFlight) {
  const responses = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < count) {
      const i = next++;
      responses[i] = await ca.createRootCACertificate(REQUEST(algorithm, i));
    }
  }));
  return responses;
}

test('the strict DER checks refuse what they must (a control for the checks themselves)', () => {
  const integer = (...bytes) => [new Uint8Array([0x02, bytes.length, ...bytes]), { tag: 0x02, at: 0, start: 2, end: 2 + bytes.length }];
  assert.equal(positiveInteger(...integer(0x00, 0x80), 'x'), 0x80n);
  assert.equal(positiveInteger(...integer(0x7f), 'x'), 0x7fn);
  assert.throws(() => positiveInteger(...integer(0x00, 0x7f), 'x'), /needless leading zero/);
  assert.throws(() => positiveInteger(...integer(0x80), 'x'), /negative/);
  assert.throws(() => positiveInteger(...integer(), 'x'), /empty/);
  const signature = (r, s) => new Uint8Array([0x30, r.length + s.length + 4, 0x02, r.length, ...r, 0x02, s.length, ...s]);
  checkEcdsaSignature(signature([0x01], [0x00, 0x80]), 0x1000n);
  assert.throws(() => checkEcdsaSignature(signature([0x00, 0x01], [0x01]), 0x1000n), /leading zero/);
  assert.throws(() => checkEcdsaSignature(signature([0x01], [0x10, 0x00]), 0x1000n), /out of range/);
  assert.throws(() => tlv(new Uint8Array([0x30, 0x81, 0x05, 0, 0, 0, 0, 0]), 0), /long form/);
  const serial = (bytes) => { const [der, node] = integer(...bytes); return () => checkSerial(der, node); };
  serial([0x40, ...new Array(15).fill(1)])();
  assert.throws(serial([0x00, 0x80, ...new Array(14).fill(1)]), /first octet/);
  assert.throws(serial([0x40, ...new Array(14).fill(1)]), /15 octets/);
});

for (const [algorithm, count] of Object.entries(counts())) {
  test(`${count} × ${algorithm}: every root verifies and is strictly DER`, async () => {
    const ca = new pkg.PrivateCa();
    const started = performance.now();
    const responses = await createRoots(ca, algorithm, count, algorithm.startsWith('RSA') ? 4 : 1);
    const created = performance.now();
    const serials = new Set();
    const keys = new Set();
    const identifiers = new Set();
    const sm2 = [];
    responses.forEach((response, i) => {
      const certificate = new X509Certificate(response.Certificate);
      const der = new Uint8Array(certificate.raw);
      const part = parts(der);
      serials.add(checkSerial(der, part.serial));
      assert.equal(certificate.serialNumber.toLowerCase().replace(/^0+/, ''),
        [...serials].at(-1).replace(/^0+/, ''), 'Node reads another serial');
      keys.add(Buffer.from(part.spki).toString('base64'));
      identifiers.add(response.Identifier);
      if (algorithm in RSA_BITS) {
        assert.equal(part.signature.length, RSA_BITS[algorithm] / 8, `#${i}: RSA signature length`);
        assert.ok(certificate.verify(certificate.publicKey), `#${i}: X509Certificate.verify()`);
      } else {
        checkEcdsaSignature(part.signature, CURVE_ORDERS[algorithm]);
        if (algorithm === 'SM2_256') {
          writeSm2Inputs(scratch, i, part);
          sm2.push(i);
        } else {
          assert.ok(certificate.verify(certificate.publicKey), `#${i}: X509Certificate.verify()`);
        }
      }
    });
    if (sm2.length) {
      const good = await opensslSm2Verify(scratch, sm2, SM2_ID);
      const failed = sm2.filter((_, k) => good[k] !== true);
      assert.deepEqual(failed, [], `SM2 roots that openssl pkeyutl refuses with ID ${SM2_ID}`);
      // The negative control: another signer ID must fail, or the check proves nothing.
      const wrong = await opensslSm2Verify(scratch, sm2.slice(0, 20), WRONG_SM2_ID);
      assert.ok(wrong.every((ok) => ok === false), `SM2 verified with the wrong ID ${WRONG_SM2_ID}`);
    }
    assert.equal(serials.size, count, 'serials repeat');
    assert.equal(keys.size, count, 'public keys repeat');
    assert.equal(identifiers.size, count, 'Identifiers repeat');
    const perRoot = (created - started) / count;
    console.log(`# ${algorithm}: ${count} roots, ${perRoot.toFixed(1)} ms each to create, `
      + `${((performance.now() - created) / 1000).toFixed(1)} s to verify`);
  });
}
