import type { Hono } from 'hono';
import { z } from 'zod';
import { eventSubscriptionRequest, faultsRequest, type Capabilities } from '@amplifi/backoffice';
import type { SandboxDeps } from '../deps';
import { readBody, readParams, type SandboxEnv } from '../http';
import { SandboxError } from '../errors';

const cursorParams = z.object({ cursor: z.string().regex(/^\d{1,18}$/, 'must be a cursor returned by this feed, or 0') });
const sinceParams = z.object({ sinceSeq: z.string().regex(/^\d{1,18}$/, 'must be a sequence number, or 0') });

export function registerSystemRoutes(app: Hono<SandboxEnv>, deps: SandboxDeps): void {
  app.get('/health', async (c) => {
    await deps.db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
    return c.json({ success: true, status: 'ok', backOfficeId: deps.settings.id, dts: new Date().toISOString() });
  });

  app.get('/capabilities', (c) => {
    const capabilities: Capabilities = {
      backOfficeId: deps.settings.id,
      currencies: [...deps.settings.currencies],
      rails: [...deps.settings.rails],
      operations: { bookTransfer: true, creditCardPayment: true, changeFeed: true, cards: true, settlement: true, rates: true },
    };
    return c.json({ success: true, capabilities });
  });

  app.get('/faults', (c) => c.json({ success: true, faults: deps.faults.state }));

  app.post('/faults', async (c) => {
    const faults = deps.faults.set(await readBody(c, faultsRequest));
    deps.logger.warn({ faults }, 'faults changed');
    return c.json({ success: true, faults });
  });

  app.get('/changes/:cursor', async (c) => {
    const { cursor } = readParams(c, cursorParams);
    return c.json({ success: true, ...(await deps.feeds.readChanges(BigInt(cursor))) });
  });

  // Where to push change events (the sandbox's own webhooks to AmpliFi's ingest endpoint), signed with the secret.
  app.post('/event-subscriptions', async (c) => {
    const { url, secret } = await readBody(c, eventSubscriptionRequest);
    return c.json({ success: true, subscription: await deps.events.subscribe(url, secret) }, 201);
  });

  app.get('/event-subscriptions', async (c) => c.json({ success: true, subscriptions: await deps.events.list() }));

  app.delete('/event-subscriptions/:id', async (c) => {
    const { id } = readParams(c, z.object({ id: z.string().regex(/^es_[0-9a-z]{13}$/, 'must be an es_ id') }));
    if (!(await deps.events.unsubscribe(id))) throw new SandboxError('SUBSCRIPTION_NOT_FOUND', `no event subscription ${id}`);
    return c.json({ success: true });
  });

  app.get('/operations', async (c) => c.json({ success: true, ...(await deps.feeds.readOperations(0n)) }));

  app.get('/operations/:sinceSeq', async (c) => {
    const { sinceSeq } = readParams(c, sinceParams);
    return c.json({ success: true, ...(await deps.feeds.readOperations(BigInt(sinceSeq))) });
  });
}
