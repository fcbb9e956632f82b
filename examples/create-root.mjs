#!/usr/bin/env node
// Creates a root CA from a request JSON file with the npm package and prints the response JSON.
//
//   node examples/create-root.mjs [request.json]
//
// Without a file it uses examples/request.json, the documented example request. The package
// is loaded from dist/pkg (built by .ci/build-pkg); errors print the API's error body and exit 1.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const here = new URL(".", import.meta.url);
const path = process.argv[2] ?? fileURLToPath(new URL("request.json", here));
const request = JSON.parse(await readFile(path, "utf8"));
const { createRootCACertificate } = await import(new URL("../dist/pkg/index.mjs", here));

try {
  const response = await createRootCACertificate(request);
  console.log(JSON.stringify(response, null, 2));
} catch (error) {
  console.error(JSON.stringify(error.data ?? { Message: String(error) }, null, 2));
  process.exitCode = 1;
}
