// Our package, private-ca, loaded from the directory in PRIVATE_CA_PKG (default: <repo>/pkg).
// setup() throws an error marked `skip` when the package is not there, and the runner goes on without it.
//
// Pre-generated key mode passes the key as createRootCACertificate(request, { PrivateKey }),
// the option the browser console uses for keys made in a Web Worker.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ALGORITHMS, RSA_ALGORITHMS, RSA_BITS, rootRequest } from '../lib/profile.mjs';

export const name = 'ours (private-ca)';
export const algorithms = ALGORITHMS;
export let pregenAlgorithms = [];
export let loaded = ''; // what was loaded, for the report
export let packageDir = ''; // the package directory, for bench/wasm.mjs

const HINT = 'build the package first, then point PRIVATE_CA_PKG at the directory holding its package.json';
let createRoot;
let createRootWithKey;

// The Node ESM entry: exports["."] (its node/import/default conditions), else module, else main.
function entryOf(pkg) {
  const pick = (e) => (typeof e === 'string' ? e : e && (pick(e.node) ?? pick(e.import) ?? pick(e.default)));
  const dot = pkg.exports && typeof pkg.exports === 'object' && '.' in pkg.exports ? pkg.exports['.'] : pkg.exports;
  return pick(dot) ?? pkg.module ?? pkg.main ?? 'index.js';
}

function skip(reason) {
  return Object.assign(new Error(`${reason} (${HINT})`), { skip: true });
}

export async function setup() {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const dir = resolve(process.env.PRIVATE_CA_PKG ?? join(repo, 'pkg'));
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) throw skip(`no package.json in ${dir}`);
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  const entry = join(dir, entryOf(pkg));
  let mod;
  try {
    mod = await import(pathToFileURL(entry).href);
  } catch (e) {
    throw skip(`cannot import ${entry}: ${e.message}`);
  }
  const find = (fn) => [mod, mod.default].find((m) => typeof m?.[fn] === 'function');
  const holder = find('createRootCACertificate');
  if (!holder) throw skip(`${entry} exports no createRootCACertificate (has: ${Object.keys(mod).join(', ')})`);
  createRoot = holder.createRootCACertificate.bind(holder);
  loaded = `${pkg.name}@${pkg.version} from ${entry}`;
  packageDir = dir;
  createRootWithKey = (request, pem) => createRoot(request, { PrivateKey: pem });
  pregenAlgorithms = RSA_ALGORITHMS;
}

// The response may come back as an object or as its JSON text.
async function certificateOf(response) {
  const body = typeof response === 'string' ? JSON.parse(response) : await response;
  if (!body?.Certificate) throw new Error(`no Certificate in response: ${JSON.stringify(body).slice(0, 200)}`);
  return body.Certificate;
}

export async function create(algorithm) {
  return certificateOf(await createRoot(rootRequest(algorithm)));
}

export async function generateKey(algorithm) {
  return generateKeyPairSync('rsa', { modulusLength: RSA_BITS[algorithm] })
    .privateKey.export({ type: 'pkcs8', format: 'pem' });
}

export async function createWithKey(algorithm, privateKeyPem) {
  return certificateOf(await createRootWithKey(rootRequest(algorithm), privateKeyPem));
}

// Which of our calls reach Node's WebCrypto (native code), found by counting calls on
// crypto.subtle while one root of each kind is made. Returns report lines, each ending with
// whether the calls are the expected ones: key generation and signing in WebCrypto for RSA,
// P-256 and P-384, and verification too for P-256, P-384 and RSA_4096 (an RSA_2048 signature is
// verified in WebAssembly, quicker than WebCrypto's round trips); P-521 and SM2 stay in
// WebAssembly (WebCrypto has no SM2, and Node 20's P-521 is slower than ours, see
// bench/README.md).
export async function webcryptoUse() {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return ['- WebCrypto: not present in this Node'];
  const methods = ['generateKey', 'exportKey', 'importKey', 'sign', 'verify'];
  const counts = {};
  for (const m of methods) {
    const original = subtle[m];
    Object.defineProperty(subtle, m, {
      configurable: true,
      value(...args) { counts[m] = (counts[m] ?? 0) + 1; return original.apply(this, args); },
    });
  }
  const none = [0, 0, 0, 0, 0];
  const seen = async (label, expected, run) => {
    for (const m of methods) counts[m] = 0;
    await run();
    const got = methods.map((m) => counts[m]);
    const verdict = got.every((n, i) => n === expected[i]) ? 'as expected' : `**not as expected** (${expected.join('/')})`;
    return `- ${label}: ${methods.map((m) => `${m} ×${counts[m]}`).join(', ')}: ${verdict}`;
  };
  try {
    return [
      await seen('RSA_2048, key pair made by us', [1, 1, 0, 1, 0], () => create('RSA_2048')),
      await seen('RSA_2048, pre-generated key', [0, 0, 1, 1, 0],
        async () => createWithKey('RSA_2048', await generateKey('RSA_2048'))),
      await seen('RSA_4096, pre-generated key', [0, 0, 2, 1, 1],
        async () => createWithKey('RSA_4096', await generateKey('RSA_4096'))),
      await seen('ECC_256, key pair made by us', [1, 1, 1, 1, 1], () => create('ECC_256')),
      await seen('ECC_384, key pair made by us', [1, 1, 1, 1, 1], () => create('ECC_384')),
      await seen('ECC_512 (WebAssembly only)', none, () => create('ECC_512')),
      await seen('SM2_256 (WebAssembly only)', none, () => create('SM2_256')),
    ];
  } finally {
    for (const m of methods) delete subtle[m];
  }
}
