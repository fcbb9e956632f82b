// Node.js, CommonJS: wasm-bindgen's Node build, instantiated synchronously on require.
// This module instance (and its default account) is separate from the ES-module one.
"use strict";
const api = require("./node/private_ca.js");
const { ClientError, ThrottlingError, ServerError } = api.errorClasses();
module.exports = { ...api, ClientError, ThrottlingError, ServerError };
