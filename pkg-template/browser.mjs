// Browsers, Web Workers and bundlers: the ES-module build, fetched next to this file.
import init, { errorClasses } from "./web/private_ca.js";

await init({ module_or_path: new URL("./web/private_ca_bg.wasm", import.meta.url) });

export * from "./web/private_ca.js";
export const { ClientError, ThrottlingError, ServerError } = errorClasses();
