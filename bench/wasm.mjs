// Measures the wasm build itself in Node.js: size, cold instantiation, the median time of one
// createRootCACertificate per algorithm, and memory (retained bytes per stored CA, and that
// failed calls, idempotent repeats and create-then-remove cycles leave memory flat).
//
//   node bench/wasm.mjs [--pkg dist/pkg] [--quick]
//
// Memory is the size of the module's linear memory (WebAssembly.Memory), which grows in 64 KiB
// pages and never shrinks: a flat line means no allocation outlived its call.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const pkg = resolve(args.includes("--pkg") ? args[args.indexOf("--pkg") + 1] : "dist/pkg");
const quick = args.includes("--quick");
const wasmPath = `${pkg}/web/private_ca_bg.wasm`;
const gluePath = pathToFileURL(`${pkg}/web/private_ca.js`).href;

const REQUEST = {
  CommonName: "阿里云根CA", OrganizationUnit: "Security", Organization: "Aliyun",
  Locality: "Hangzhou", State: "Zhejiang", CountryCode: "CN", Years: 10,
};
const ITERATIONS = {
  RSA_1024: 20, RSA_2048: 10, RSA_4096: 3, ECC_256: 200, ECC_384: 100, ECC_512: 100, SM2_256: 200,
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

function size() {
  const bytes = readFileSync(wasmPath);
  const gz = gzipSync(bytes, { level: 9 }).length;
  console.log(`wasm: ${bytes.length} bytes raw (${(bytes.length / 1024).toFixed(1)} KiB), ` +
    `${gz} bytes gzipped (${(gz / 1024).toFixed(1)} KiB)`);
}

/** Cold instantiation: a fresh Node process imports the package entry and waits for it. */
function coldStart() {
  const entry = pathToFileURL(`${pkg}/index.mjs`).href;
  const script = `const t = performance.now(); await import(${JSON.stringify(entry)}); ` +
    `console.log(performance.now() - t);`;
  const times = [];
  for (let i = 0; i < (quick ? 3 : 10); i++) {
    times.push(Number(execFileSync(process.execPath, ["--input-type=module", "-e", script]).toString()));
  }
  console.log(`cold import of the ESM entry (compile + instantiate): median ${fmt(median(times))} ms, ` +
    `min ${fmt(Math.min(...times))}, max ${fmt(Math.max(...times))} (n=${times.length})`);
}

async function timings(api) {
  console.log("\n| Algorithm | n | median ms | min ms | max ms |\n|---|---:|---:|---:|---:|");
  for (const [algorithm, n] of Object.entries(ITERATIONS)) {
    const count = quick ? Math.max(2, Math.ceil(n / 10)) : n;
    await api.createRootCACertificate({ ...REQUEST, Algorithm: algorithm }); // warm-up
    const times = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await api.createRootCACertificate({ ...REQUEST, Algorithm: algorithm });
      times.push(performance.now() - t);
    }
    console.log(`| ${algorithm} | ${count} | ${fmt(median(times))} | ${fmt(Math.min(...times))} | ` +
      `${fmt(Math.max(...times))} |`);
  }
}

async function memory(api, exports) {
  const bytes = () => exports.memory.buffer.byteLength;
  const ca = new api.PrivateCa();
  const request = { ...REQUEST, Algorithm: "ECC_256" };
  let held = 0;
  const grow = async (target) => {
    for (; held < target; held++) await ca.createRootCACertificate(request);
    return bytes();
  };
  const [small, large] = quick ? [200, 2000] : [1000, 10000];
  const atSmall = await grow(small);
  const atLarge = await grow(large);
  const perCa = (atLarge - atSmall) / (large - small);
  console.log(`\nmemory: ${(atSmall / 1048576).toFixed(1)} MiB at ${small} ECC_256 roots, ` +
    `${(atLarge / 1048576).toFixed(1)} MiB at ${large}: ${(perCa / 1024).toFixed(2)} KiB per stored CA`);

  const loops = quick ? 1000 : 10000;
  const flat = async (label, body) => {
    for (let i = 0; i < 200; i++) await body(i); // warm-up: let the allocator settle
    const before = bytes();
    for (let i = 0; i < loops; i++) await body(i);
    const after = bytes();
    console.log(`${label}: ${loops} calls, memory ${before} -> ${after} bytes ` +
      `(${after === before ? "flat" : `grew ${after - before}`})`);
  };
  const other = new api.PrivateCa();
  await flat("failed calls", () => other.createRootCACertificate({ ...request, Years: 11 }).catch(() => {}));
  await other.createRootCACertificate({ ...request, ClientToken: "repeat" });
  await flat("idempotent repeats", () => other.createRootCACertificate({ ...request, ClientToken: "repeat" }));
  await flat("create-then-remove", async () => {
    const { Identifier } = await other.createRootCACertificate(request);
    await other.removeCACertificate({ Identifier });
  });
}

size();
coldStart();
const glue = await import(gluePath);
const exports = await glue.default({ module_or_path: readFileSync(wasmPath) });
await timings(glue);
await memory(glue, exports);
