/*
 * npm run access:token: an access token from the shop's identity provider, as its clients get one.
 *
 *   staff:   npm run access:token -- --issuer URL --ca FILE --console ID:SECRET --login NAME --password PW --totp BASE32
 *   partner: npm run access:token -- --issuer URL --ca FILE --client ID:SECRET
 *
 * `npm run shop` prints these lines filled in. The TOTP code is computed from the secret, as an
 * authenticator app would; the token is printed alone on stdout.
 */
import { readFile } from "node:fs/promises";
import * as OTPAuth from "otpauth";
import { partnerToken, staffToken } from "../shop/driver/sign-in.js";
import { AUDIENCE } from "../shop/infra/trace-access.js";
import { CONSOLE_REDIRECT_URI, TRACES_SCOPE } from "../shop/infra/identity-provider.js";

const argv = process.argv.slice(2);
const arg = (name: string) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : undefined;
};
const pair = (value: string) => {
  const at = value.indexOf(":");
  return { id: value.slice(0, at), secret: value.slice(at + 1) };
};

const issuer = arg("issuer");
const caFile = arg("ca");
if (!issuer || !caFile || (!arg("client") && !(arg("console") && arg("login") && arg("password")))) {
  process.stderr.write("usage: see the header of scripts/access-token.ts (npm run shop prints the full lines)\n");
  process.exit(2);
}
const idp = { issuer, ca: await readFile(caFile) };
try {
  const client = arg("client");
  const token = client
    ? await partnerToken(idp, { clientId: pair(client).id, clientSecret: pair(client).secret }, AUDIENCE, TRACES_SCOPE)
    : await staffToken(
        {
          ...idp,
          console: {
            clientId: pair(arg("console")!).id,
            clientSecret: pair(arg("console")!).secret,
            redirectUri: CONSOLE_REDIRECT_URI,
          },
        },
        {
          login: arg("login")!,
          password: arg("password")!,
          ...(arg("totp") && { otp: new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(arg("totp")!) }).generate() }),
        },
        AUDIENCE,
      );
  process.stdout.write(`${token}\n`);
} catch (error) {
  process.stderr.write(`access-token: ${(error as Error).message}\n`);
  process.exit(1);
}
