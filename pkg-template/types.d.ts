/** A key algorithm of CreateRootCACertificate. */
export type Algorithm =
  | "RSA_1024"
  | "RSA_2048"
  | "RSA_4096"
  | "ECC_256"
  | "ECC_384"
  | "ECC_512"
  | "SM2_256";

/** A tag on a CA: Key 1-128 characters, Value 0-128 characters. */
export interface Tag {
  Key: string;
  Value?: string;
}

/** The request of CreateRootCACertificate. Text is trimmed; lengths count characters. */
export interface CreateRootCACertificateRequest {
  /** CN, 1-64 characters. */
  CommonName: string;
  /** OU, 1-64 characters. */
  OrganizationUnit: string;
  /** O, 1-64 characters. */
  Organization: string;
  /** L, 1-128 characters. */
  Locality: string;
  /** ST, 1-128 characters. */
  State: string;
  /** ISO 3166-1 alpha-2 code, any letter case; stored upper case. Omitted: no C attribute. */
  CountryCode?: string | null;
  /** Default RSA_2048. */
  Algorithm?: Algorithm | null;
  /** Validity in calendar years, 1-10; a number or a decimal string. */
  Years: number | `${number}`;
  /** Idempotency token, 1-64 visible ASCII characters. */
  ClientToken?: string | null;
  /** At most 20 tags with unique keys. */
  Tags?: Tag[] | null;
  /** "rg-" and 1-61 lower-case letters or digits. */
  ResourceGroupId?: string | null;
}

/** The response of CreateRootCACertificate. */
export interface CreateRootCACertificateResponse {
  /** This call's id: an upper-case UUID. */
  RequestId: string;
  /** The CA's id: 32 lower-case hex digits. */
  Identifier: string;
  /** PEM, no trailing newline. */
  Certificate: string;
  /** PEM chain from this certificate to its root, each ending in a newline. */
  CertificateChain: string;
}

/** Options of createRootCACertificate. */
export interface CreateOptions {
  /** Plain PKCS#8 PEM of the request's algorithm (from generatePrivateKey), used instead of a fresh key. */
  PrivateKey?: string;
}

/** A freshly generated private key, as plain PKCS#8 PEM. */
export interface GeneratePrivateKeyResponse {
  Algorithm: Algorithm;
  PrivateKey: string;
}

/** Export a CA's private key, encrypted with a passphrase or, explicitly, in plain. */
export type ExportCAPrivateKeyRequest =
  | { Identifier: string; Passphrase: string; Plain?: false }
  | { Identifier: string; Plain: true; Passphrase?: undefined };

/** The private key as PKCS#8 PEM (ENCRYPTED PRIVATE KEY, or PRIVATE KEY when plain). */
export interface ExportCAPrivateKeyResponse {
  RequestId: string;
  PrivateKey: string;
}

/** Import a CA certificate (PEM) with its PKCS#8 private key (PEM, plain or encrypted). */
export interface ImportCACertificateRequest {
  Certificate: string;
  PrivateKey: string;
  /** Required when PrivateKey is encrypted. */
  Passphrase?: string;
}

export interface ImportCACertificateResponse {
  RequestId: string;
  Identifier: string;
}

export interface RemoveCACertificateRequest {
  Identifier: string;
}

export interface RemoveCACertificateResponse {
  RequestId: string;
}

/** One CA held by an account. */
export interface CACertificateSummary {
  Identifier: string;
  Algorithm: Algorithm;
  /** Unix milliseconds. */
  CreatedAt: number;
  Certificate: string;
}

/** An ISO 3166-1 alpha-2 code with its English name. */
export interface CountryCode {
  Code: string;
  Name: string;
}

/** Emulated cloud account rules; all off by default. */
export interface PrivateCaOptions {
  /** Purchased root CA instances left per key family, e.g. { RSA: 1 }. */
  Instances?: { RSA?: number; ECC?: number; SM2?: number } | null;
  /** Calls per second the account accepts (the cloud's limit is 10). */
  RateLimitPerSecond?: number | null;
}

/** The body of an API error, as the cloud returns it. */
export interface ErrorBody {
  RequestId: string;
  Code: string;
  Message: string;
}

/** The shape shared by ClientError, ThrottlingError and ServerError. */
export interface ApiErrorFields {
  /** The API error code, e.g. "MissingCommonName" or "InvalidParameter.Years". */
  code: string;
  /** The HTTP status the cloud would answer with: 400, 404 or 500. */
  statusCode: number;
  requestId: string;
  data: ErrorBody;
}

/** A 4xx error caused by the request. */
export interface ClientError extends Error, ApiErrorFields {
  name: "ClientError";
}
/** The caller was throttled (Throttling.User). */
export interface ThrottlingError extends Error, ApiErrorFields {
  name: "ThrottlingError";
}
/** An error on our side (InternalError). */
export interface ServerError extends Error, ApiErrorFields {
  name: "ServerError";
}

/** The error classes, for instanceof checks. */
export interface ErrorClasses {
  ClientError: new (body: ErrorBody, statusCode: number) => ClientError;
  ThrottlingError: new (body: ErrorBody, statusCode: number) => ThrottlingError;
  ServerError: new (body: ErrorBody, statusCode: number) => ServerError;
}
