// A real OpenID provider for the "sign in with the platform" tests: the certified `oidc-provider`
// package, configured as the delivery platform would be (one confidential client, PKCE required,
// accounts carrying a rider number), with a test-only sign-in page instead of the platform's.
//
// Started by the `oidc_provider` fixture (tests/riders/oidc_fixtures.py); by hand:
//   OIDC_REDIRECT_URIS=http://127.0.0.1:8000/sign-in/platform/callback/ node server.js
// It listens on a free port of 127.0.0.1 and prints one line `OIDC_PROVIDER_READY <issuer>`.
//
// Environment (all optional except the redirect URIs):
//   OIDC_REDIRECT_URIS, OIDC_POST_LOGOUT_REDIRECT_URIS  comma-separated, registered exactly
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET                    the portal's client
//   OIDC_ACCOUNTS   JSON {"login": {"rider_no": "…", "name": "…"}}: who can sign in here
//   OIDC_JWKS       JSON private JWK set to sign ID tokens with (the fixture makes one, so a
//                   test can also sign a token as this provider would); default: a fresh key
//   OIDC_CONFORM_ID_TOKEN_CLAIMS  "0": scope claims (rider_no) in the ID token too; default
//                   "1": as the spec says for the code flow, only from the userinfo endpoint
//   OIDC_RP_INITIATED_LOGOUT  "0": a provider without RP-initiated logout
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const env = process.env;
const list = (value) => (value || '').split(',').map((item) => item.trim()).filter(Boolean);

const accounts = env.OIDC_ACCOUNTS
  ? JSON.parse(env.OIDC_ACCOUNTS)
  // by hand: the demo data's first rider (riders/demo.py), and one the portal does not know
  : { 'demo-rider': { rider_no: 'QD100001', name: '王小骑' }, stranger: { rider_no: 'QD999999' } };

function signingKeys() {
  if (env.OIDC_JWKS) return JSON.parse(env.OIDC_JWKS);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' }] };
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  // No outside fonts or scripts: the tests run without a network.
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>
</head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

const configuration = {
  clients: [{
    client_id: env.OIDC_CLIENT_ID || 'riders-portal',
    client_secret: env.OIDC_CLIENT_SECRET || 'riders-portal-test-secret',
    redirect_uris: list(env.OIDC_REDIRECT_URIS),
    post_logout_redirect_uris: list(env.OIDC_POST_LOGOUT_REDIRECT_URIS),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  // PKCE for every client, confidential ones too (the package supports S256 only).
  pkce: { required: () => true },
  claims: { openid: ['sub'], profile: ['name', 'rider_no'] },
  conformIdTokenClaims: env.OIDC_CONFORM_ID_TOKEN_CLAIMS !== '0',
  async findAccount(ctx, sub) {
    const account = accounts[sub];
    if (!account) return undefined;
    return { accountId: sub, async claims() { return { sub, ...account }; } };
  },
  jwks: signingKeys(),
  cookies: { keys: ['test-only-cookie-signing-key'] },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false }, // our own page below: no warnings, no outside fonts
    rpInitiatedLogout: {
      enabled: env.OIDC_RP_INITIATED_LOGOUT !== '0', // "0": no end_session_endpoint
      async logoutSource(ctx, form) {
        ctx.body = page('Sign out of the platform?', `${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<p>You have signed out of the platform.</p>');
      },
    },
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Provider error', Object.entries(out)
      .map(([key, value]) => `<p><strong>${escape(key)}</strong>: ${escape(value)}</p>`).join(''));
  },
};

let provider;
let handle;

// The test-only, non-interactive stand-in for the platform's own sign-in: the browser (or the
// test's HTTP session) enters an account name; consent is granted with the sign-in, as the
// platform does for its own first-party portal.
async function grantFor(details, accountId) {
  const { params, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  grant.addOIDCScope(params.scope);
  return grant.save();
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET' && details.prompt.name === 'login') {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(page('Platform sign-in', `<form method="post" action="${escape(req.url)}">
<label for="login">Platform account</label>
<input id="login" name="login" autocomplete="username" required>
<button type="submit">Sign in</button></form>`));
    return;
  }
  if (details.prompt.name === 'login') {
    const body = new URLSearchParams(await new Promise((resolve) => {
      let data = '';
      req.on('data', (chunk) => { data += chunk; });
      req.on('end', () => resolve(data));
    }));
    const accountId = body.get('login') || '';
    if (!accounts[accountId]) {
      res.statusCode = 400;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(page('Platform sign-in', `<p>No platform account ${escape(accountId)}.</p>`));
      return;
    }
    const grantId = await grantFor(details, accountId);
    await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
    return;
  }
  // consent only (already signed in at the provider): grant it without asking
  await provider.interactionFinished(req, res, { consent: { grantId: await grantFor(details, details.session.accountId) } }, { mergeWithLastSubmission: true });
}

const server = http.createServer((req, res) => {
  if (!provider) {
    res.statusCode = 503;
    res.end();
    return;
  }
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.statusCode = 400;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(String(error));
    });
    return;
  }
  handle(req, res);
});

server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = new Provider(issuer, configuration);
  handle = provider.callback();
  process.stdout.write(`OIDC_PROVIDER_READY ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
