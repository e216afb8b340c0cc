import { describe, expect, it } from 'vitest';
import { sha256Hex } from '@amplifi/security';
import { waitFor } from '@amplifi/testing';
import { useTestGateway } from './harness';
import { disableUser, listDevices, makeUser } from './auth-helpers';
import { issueTestToken } from './sessions';

// Long enough that only a revocation's notification, never the cache's own expiry, can end a cached session here.
const gw = useTestGateway({ SESSION_CACHE_MS: '60000' });
// Short, to see the cache answer from memory and then look again.
const brief = useTestGateway({ SESSION_CACHE_MS: '300' });

async function signedIn(gateway: typeof gw, name: string) {
  const userId = await makeUser(gateway, name);
  const token = await issueTestToken(gateway.deps.db, userId);
  expect((await listDevices(gateway, token)).status).toBe(200);
  return { userId, token };
}

describe('verified sessions kept in memory', () => {
  it('forgets a session revoked outside this gateway (another gateway, an operator) as soon as the revocation commits', async () => {
    const { token } = await signedIn(gw, 'revoked');
    await gw.deps.db.updateTable('sessions').set({ dtsRevoked: new Date() }).where('tokenHash', '=', sha256Hex(token)).execute();
    await waitFor(async () => (await listDevices(gw, token)).status === 401, { timeoutMs: 5_000, what: 'the revoked token to be refused' });
  });

  it('forgets the sessions of a user disabled outside this gateway', async () => {
    const { userId, token } = await signedIn(gw, 'disabled');
    await disableUser(gw, userId);
    await waitFor(async () => (await listDevices(gw, token)).status === 401, { timeoutMs: 5_000, what: 'the disabled user to be refused' });
  });

  it('refuses at once a token this gateway revoked itself (DELETE /token)', async () => {
    const { token } = await signedIn(gw, 'loggedout');
    expect((await gw.request('DELETE', '/token', { headers: { token } })).status).toBeLessThan(300);
    expect((await listDevices(gw, token)).status).toBe(401);
  });

  it('checks the expiry of a remembered session against the clock on every request', async () => {
    const { token } = await signedIn(gw, 'expiring');
    gw.advance(2 * 60 * 60 * 1000);
    try {
      expect((await listDevices(gw, token)).status).toBe(401);
    } finally {
      gw.advance(-2 * 60 * 60 * 1000);
    }
  });

  it('answers from memory within its lifetime, then looks in Postgres again', async () => {
    // A change no trigger announces (nothing in AmpliFi ever shortens a sliding expiry; done here by hand): a
    // remembered session still answers; once the cache's lifetime has passed, the lookup sees the change.
    const expireByHand = (token: string, gateway: typeof gw) =>
      gateway.deps.db.updateTable('sessions').set({ dtsExpiry: new Date(Date.now() - 1000) }).where('tokenHash', '=', sha256Hex(token)).execute();
    const kept = await signedIn(gw, 'remembered');
    await expireByHand(kept.token, gw);
    expect((await listDevices(gw, kept.token)).status).toBe(200);
    const looked = await signedIn(brief, 'lookedagain');
    await expireByHand(looked.token, brief);
    await waitFor(async () => (await listDevices(brief, looked.token)).status === 401, { timeoutMs: 5_000, what: 'the session to be looked up again' });
  });
});
