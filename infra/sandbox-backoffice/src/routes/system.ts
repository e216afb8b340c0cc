import type { Hono } from 'hono';
import { z } from 'zod';
import { faultsRequest, type Capabilities } from '@amplifi/backoffice';
import type { SandboxDeps } from '../deps';
import { readBody, readParams, type SandboxEnv } from '../http';
import { readChanges, readOperations } from '../ledger/feeds';

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
    return c.json({ success: true, ...(await readChanges(deps.db, BigInt(cursor))) });
  });

  app.get('/operations', async (c) => c.json({ success: true, ...(await readOperations(deps.db, 0n)) }));

  app.get('/operations/:sinceSeq', async (c) => {
    const { sinceSeq } = readParams(c, sinceParams);
    return c.json({ success: true, ...(await readOperations(deps.db, BigInt(sinceSeq))) });
  });
}
