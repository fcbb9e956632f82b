// The OpenSSL 3 command line: one `openssl req -x509` process per certificate.
// The runner times `processStart` (`openssl version`) just before each run and reports
// per-op = median(req) - median(version) for each cell.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALGORITHMS, CURVES, RSA_ALGORITHMS, RSA_BITS, SM2_SIGNER_ID, SUBJECT_SLASHED, validity } from '../lib/profile.mjs';

export const name = 'openssl CLI';
export const algorithms = ALGORITHMS;
export const pregenAlgorithms = RSA_ALGORITHMS;

const dir = mkdtempSync(join(tmpdir(), 'bench-openssl-'));
const config = join(dir, 'req.cnf');
// A config of our own, so the system openssl.cnf adds no extensions of its own.
const CONFIG = '[req]\ndistinguished_name = dn\n[dn]\n';
const EXTENSIONS = [
  'basicConstraints=critical,CA:TRUE',
  'keyUsage=critical,keyCertSign,cRLSign',
  'subjectKeyIdentifier=hash',
  'authorityKeyIdentifier=keyid:always',
].flatMap((e) => ['-addext', e]);

function openssl(args) {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

export async function setup() {
  writeFileSync(config, CONFIG);
  openssl(['version']);
}

export async function teardown() {
  rmSync(dir, { recursive: true, force: true });
}

export const version = () => openssl(['version']).trim();

// Process start and exit, nothing else.
export async function processStart() {
  openssl(['version']);
}

function newKeyArgs(algorithm) {
  if (algorithm in RSA_BITS) return ['-newkey', `rsa:${RSA_BITS[algorithm]}`];
  if (algorithm in CURVES) return ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${CURVES[algorithm]}`];
  return ['-newkey', 'sm2'];
}

function digestArgs(algorithm) {
  // OpenSSL 3.0's `req -x509` takes the SM2 signer ID through -sigopt.
  return algorithm === 'SM2_256' ? ['-sm3', '-sigopt', `distid:${SM2_SIGNER_ID}`] : ['-sha256'];
}

function req(algorithm, keyArgs) {
  const { notBefore, notAfter } = validity();
  const days = Math.round((notAfter - notBefore) / 86_400_000);
  return openssl([
    'req', '-x509', '-config', config, '-noenc', '-utf8',
    ...keyArgs,
    '-subj', SUBJECT_SLASHED, '-days', String(days),
    ...digestArgs(algorithm),
    ...EXTENSIONS,
  ]);
}

export async function create(algorithm) {
  return req(algorithm, [...newKeyArgs(algorithm), '-keyout', '/dev/null']);
}

// Key material is a path to a PEM private key, generated once outside the timing.
export async function generateKey(algorithm) {
  const path = join(dir, `${algorithm}.key.pem`);
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${RSA_BITS[algorithm]}`, '-out', path]);
  return path;
}

export async function createWithKey(algorithm, keyPath) {
  return req(algorithm, ['-key', keyPath]);
}
