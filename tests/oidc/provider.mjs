// A real OpenID Connect provider for the single sign-on tests: the certified `oidc-provider` package (npm,
// pinned in package.json), run with Node. Usage: node tests/oidc/provider.mjs PORT REDIRECT_URI
// Its development sign-in pages accept any login name with any password; the login name becomes the subject and
// the e-mail address, so a test signs in as whoever it likes. Prints "listening" once it accepts connections.
import Provider from "oidc-provider";

const [port, redirectUri] = [Number(process.argv[2]), process.argv[3]];
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "riskreg",
      client_secret: "riskreg-test-secret",
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: true, name: id };
      },
    };
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["riskreg-test-cookie-key"] },
});
provider.proxy = false;
provider.listen(port, "127.0.0.1", () => console.log("listening"));
