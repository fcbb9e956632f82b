// The npm package as shipped: the packed tarball installed into a scratch project, imported as
// ESM and required as CommonJS, each certificate checked by Node's crypto.X509Certificate (RSA,
// ECDSA) or by `openssl pkeyutl` with the SM2 signer ID, and the TypeScript types checked by
// tsc against a file that marks wrong requests with @ts-expect-error.
//
// Needs `.ci/build-pkg` to have run (dist/private-ca-<version>.tgz).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const tools = join(root, "tests/js/node_modules/.bin");
let scratch;
let esm;
let cjs;

const REQUEST = {
  CommonName: "阿里云根CA",
  OrganizationUnit: "Security",
  Organization: "Aliyun",
  Locality: "Hangzhou",
  State: "Zhejiang",
  CountryCode: "cn",
  Years: 10,
};
const SUBJECT = "C=CN\nST=Zhejiang\nL=Hangzhou\nO=Aliyun\nOU=Security\nCN=阿里云根CA";
const ALGORITHMS = {
  RSA_1024: { type: "rsa", bits: 1024 },
  RSA_2048: { type: "rsa", bits: 2048 },
  RSA_4096: { type: "rsa", bits: 4096 },
  ECC_256: { type: "ec", curve: "prime256v1" },
  ECC_384: { type: "ec", curve: "secp384r1" },
  ECC_512: { type: "ec", curve: "secp521r1" },
  SM2_256: { type: "ec", curve: "SM2" },
};

before(() => {
  const tarball = readdirSync(join(root, "dist")).find((f) => /^private-ca-.*\.tgz$/.test(f));
  assert.ok(tarball, "dist/private-ca-<version>.tgz is missing: run .ci/build-pkg first");
  scratch = mkdtempSync(join(tmpdir(), "private-ca-pkg-"));
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", join(root, "dist", tarball)], {
    cwd: scratch,
    stdio: "pipe",
  });
  cjs = createRequire(join(scratch, "index.js"))("private-ca");
});

after(() => rmSync(scratch, { recursive: true, force: true }));

async function loadEsm() {
  esm ??= await import(pathToFileURL(join(scratch, "node_modules/private-ca/index.mjs")).href);
  return esm;
}

/** Verifies an SM2 certificate's signature over its TBS with OpenSSL and a signer ID. */
function sm2Verifies(pem, distid) {
  const dir = mkdtempSync(join(tmpdir(), "sm2-"));
  try {
    const cert = join(dir, "c.pem");
    writeFileSync(cert, pem);
    const run = (args) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    run(["asn1parse", "-in", cert, "-strparse", "4", "-noout", "-out", "tbs.der"]);
    const listing = run(["asn1parse", "-in", cert]).toString().trim().split("\n");
    const last = listing.findLast((line) => line.includes("BIT STRING"));
    const offset = Number(last.split(":")[0]);
    run(["asn1parse", "-in", cert, "-strparse", String(offset), "-noout", "-out", "sig.der"]);
    writeFileSync(join(dir, "pub.pem"), run(["x509", "-in", cert, "-pubkey", "-noout"]));
    try {
      run(["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3",
        "-in", "tbs.der", "-sigfile", "sig.der", "-pkeyopt", `distid:${distid}`]);
      return true;
    } catch {
      return false;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkCertificate(response, algorithm, before, after) {
  assert.match(response.RequestId, /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  assert.match(response.Identifier, /^[0-9a-f]{32}$/);
  assert.ok(!response.Certificate.endsWith("\n"));
  assert.equal(response.CertificateChain, `${response.Certificate}\n`);
  const cert = new X509Certificate(response.Certificate);
  assert.equal(cert.subject, SUBJECT);
  assert.equal(cert.issuer, SUBJECT);
  assert.equal(cert.ca, true);
  assert.match(cert.serialNumber, /^[4-7][0-9A-F]{31}$/);
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  const issued = notBefore + 60_000;
  assert.ok(issued >= Math.floor(before / 1000) * 1000 && issued <= after, "notBefore is issuance less 60 s");
  const expected = new Date(issued);
  expected.setUTCFullYear(expected.getUTCFullYear() + 10);
  assert.equal(notAfter, expected.getTime(), "notAfter is 10 calendar years later");
  const key = cert.publicKey;
  const spec = ALGORITHMS[algorithm];
  if (spec.type === "rsa") {
    assert.equal(key.asymmetricKeyType, "rsa");
    assert.equal(key.asymmetricKeyDetails.modulusLength, spec.bits);
    assert.equal(key.asymmetricKeyDetails.publicExponent, 65537n);
  } else if (spec.curve !== "SM2") {
    assert.equal(key.asymmetricKeyType, "ec");
    assert.equal(key.asymmetricKeyDetails.namedCurve, spec.curve);
  }
  if (spec.curve === "SM2") {
    assert.ok(sm2Verifies(response.Certificate, "1234567812345678"), "SM2 signature with the standard ID");
    assert.ok(!sm2Verifies(response.Certificate, "1234567812345679"), "a wrong signer ID must fail");
  } else {
    assert.equal(cert.verify(cert.publicKey), true);
  }
}

for (const algorithm of Object.keys(ALGORITHMS)) {
  test(`ESM: ${algorithm} root verifies with exact fields`, async () => {
    const { createRootCACertificate } = await loadEsm();
    const before = Date.now();
    const response = await createRootCACertificate({ ...REQUEST, Algorithm: algorithm });
    checkCertificate(response, algorithm, before, Date.now());
  });
}

test("CommonJS: ECC_256 and RSA_2048 roots verify", async () => {
  for (const algorithm of ["ECC_256", "RSA_2048"]) {
    const before = Date.now();
    const response = await cjs.createRootCACertificate({ ...REQUEST, Algorithm: algorithm });
    checkCertificate(response, algorithm, before, Date.now());
  }
});

test("errors are SDK-shaped and instanceof the exported classes, in ESM and CJS", async () => {
  for (const api of [await loadEsm(), cjs]) {
    await assert.rejects(api.createRootCACertificate({ ...REQUEST, Years: 11 }), (error) => {
      assert.ok(error instanceof Error);
      assert.ok(error instanceof api.ClientError);
      assert.equal(error.name, "ClientError");
      assert.equal(error.code, "InvalidParameter.Years");
      assert.equal(error.statusCode, 400);
      assert.equal(error.data.Code, "InvalidParameter.Years");
      assert.equal(error.data.RequestId, error.requestId);
      assert.equal(
        error.message,
        `InvalidParameter.Years: code: 400, ${error.data.Message} request id: ${error.requestId}`,
      );
      return true;
    });
    const throttled = new api.PrivateCa({ RateLimitPerSecond: 1 });
    await throttled.createRootCACertificate({ ...REQUEST, Algorithm: "ECC_256" });
    await assert.rejects(throttled.createRootCACertificate({ ...REQUEST, Algorithm: "ECC_256" }), (error) => {
      assert.ok(error instanceof api.ThrottlingError);
      assert.equal(error.code, "Throttling.User");
      return true;
    });
  }
});

test("ESM and CommonJS each hold their own default account", async () => {
  const { createRootCACertificate, exportCAPrivateKey } = await loadEsm();
  const { Identifier } = await createRootCACertificate({ ...REQUEST, Algorithm: "ECC_256" });
  const { PrivateKey } = await exportCAPrivateKey({ Identifier, Plain: true });
  assert.match(PrivateKey, /^-----BEGIN PRIVATE KEY-----\n/);
  await assert.rejects(cjs.exportCAPrivateKey({ Identifier, Plain: true }), { code: "NotFound" });
});

test("both entry points export the same names", async () => {
  const names = (api) => Object.keys(api).filter((n) => n !== "default" && n !== "initSync" && n !== "start").sort();
  assert.deepEqual(names(await loadEsm()), names(cjs));
  for (const name of ["createRootCACertificate", "exportCAPrivateKey", "importCACertificate",
    "removeCACertificate", "PrivateCa", "ClientError", "ThrottlingError", "ServerError",
    "countryCodes", "generatePrivateKey", "validateRootCACertificateRequest"]) {
    assert.ok(name in cjs, name);
  }
});

test("TypeScript: the shipped types accept good requests and reject wrong ones", () => {
  cpSync(join(root, "tests/js/types-check.ts"), join(scratch, "check.ts"));
  writeFileSync(join(scratch, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, module: "nodenext", moduleResolution: "nodenext",
      target: "es2022", lib: ["es2022", "dom", "esnext.disposable"], skipLibCheck: false,
      types: [], typeRoots: [join(root, "tests/js/node_modules/@types")],
    },
    files: ["check.ts"],
  }));
  try {
    execFileSync(join(tools, "tsc"), ["-p", scratch], { stdio: "pipe" });
  } catch (error) {
    assert.fail(`tsc failed:\n${error.stdout}${error.stderr}`);
  }
});

test("the main job prints the response of the documented example request", () => {
  const out = execFileSync("node", [join(root, "examples/create-root.mjs")], { encoding: "utf8" });
  const response = JSON.parse(out);
  const cert = new X509Certificate(response.Certificate);
  assert.equal(cert.subject, "C=CN\nST=Zhejiang\nL=Hangzhou\nO=Aliyun\nOU=Security\nCN=Alibaba");
  assert.equal(cert.publicKey.asymmetricKeyDetails.modulusLength, 2048);
  assert.deepEqual(Object.keys(response), ["RequestId", "Identifier", "Certificate", "CertificateChain"]);
  assert.ok(readFileSync(join(root, "examples/request.json"), "utf8").includes('"Years": 10'));
});
