// Node.js, ES modules: the ES-module build, instantiated from the bundled wasm file.
// This module instance (and its default account) is separate from the CommonJS one.
import { readFile } from "node:fs/promises";
import init, { errorClasses } from "./web/private_ca.js";

await init({ module_or_path: await readFile(new URL("./web/private_ca_bg.wasm", import.meta.url)) });

export * from "./web/private_ca.js";
export const { ClientError, ThrottlingError, ServerError } = errorClasses();
