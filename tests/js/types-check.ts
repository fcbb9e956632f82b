// Type-checked by `tsc --noEmit` against the installed package (see package.test.mjs).
// Each @ts-expect-error marks a request the types must refuse: if it ever type-checks, tsc fails.
import {
  createRootCACertificate,
  exportCAPrivateKey,
  generatePrivateKey,
  importCACertificate,
  PrivateCa,
  ClientError,
  ThrottlingError,
  ServerError,
  type CreateRootCACertificateRequest,
  type CreateRootCACertificateResponse,
} from "private-ca";

const good: CreateRootCACertificateRequest = {
  CommonName: "Root",
  OrganizationUnit: "IT",
  Organization: "Example",
  Locality: "Hangzhou",
  State: "Zhejiang",
  Years: 10,
};

export async function uses(): Promise<string> {
  const response: CreateRootCACertificateResponse = await createRootCACertificate(good);
  await createRootCACertificate({ ...good, Years: "5", Algorithm: "SM2_256", CountryCode: "cn" });
  await createRootCACertificate({ ...good, Tags: [{ Key: "team", Value: "pki" }, { Key: "k" }] });

  // @ts-expect-error: field names are PascalCase
  await createRootCACertificate({ ...good, commonName: "x" });
  // @ts-expect-error: an algorithm that does not exist
  await createRootCACertificate({ ...good, Algorithm: "RSA_3072" });
  // @ts-expect-error: Years is a number or a decimal string, not a boolean
  await createRootCACertificate({ ...good, Years: true });
  // @ts-expect-error: CommonName is required
  await createRootCACertificate({ OrganizationUnit: "IT", Organization: "E", Locality: "L", State: "S", Years: 1 });
  // @ts-expect-error: Tags are {Key, Value} objects
  await createRootCACertificate({ ...good, Tags: ["team"] });

  await exportCAPrivateKey({ Identifier: response.Identifier, Passphrase: "secret" });
  await exportCAPrivateKey({ Identifier: response.Identifier, Plain: true });
  // @ts-expect-error: a plain export must be asked for explicitly
  await exportCAPrivateKey({ Identifier: response.Identifier });

  const key = await generatePrivateKey("ECC_256");
  const ca = new PrivateCa({ Instances: { RSA: 1 }, RateLimitPerSecond: 10 });
  await ca.createRootCACertificate({ ...good, Algorithm: "ECC_256" }, { PrivateKey: key.PrivateKey });
  // @ts-expect-error: unknown key family
  new PrivateCa({ Instances: { DSA: 1 } });
  await importCACertificate({ Certificate: response.Certificate, PrivateKey: key.PrivateKey });

  try {
    await createRootCACertificate(good);
  } catch (error) {
    if (error instanceof ClientError || error instanceof ThrottlingError || error instanceof ServerError) {
      const code: string = error.code;
      const status: number = error.statusCode;
      return `${code} ${status} ${error.data.Message} ${error.requestId}`;
    }
  }
  return response.CertificateChain;
}
