import type * as api from "./web/private_ca.js";
export * from "./web/private_ca.js";
export type ClientError = api.ClientError;
export type ThrottlingError = api.ThrottlingError;
export type ServerError = api.ServerError;
export declare const ClientError: api.ErrorClasses["ClientError"];
export declare const ThrottlingError: api.ErrorClasses["ThrottlingError"];
export declare const ServerError: api.ErrorClasses["ServerError"];
