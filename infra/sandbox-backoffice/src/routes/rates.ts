import type { Hono } from 'hono';
import type { RateTable } from '@amplifi/backoffice';
import type { SandboxDeps } from '../deps';
import type { SandboxEnv } from '../http';
import { rateTableAt, stepStart } from '../rates';

export function registerRateRoutes(app: Hono<SandboxEnv>, deps: SandboxDeps): void {
  const baseCurrency = deps.settings.currencies[0];
  if (baseCurrency === undefined) throw new Error('the sandbox holds no currency, so it has no base for its rates');
  const settings = { baseCurrency, stepMs: deps.settings.ratesStepMs };

  // The table only changes once per step, and computing it (exact trigonometry for every currency) is not free.
  let latest: RateTable | undefined;

  /** The FX rate table in force now; it changes once per step (SANDBOX_RATES_STEP_MS). */
  app.get('/rates', (c) => {
    const now = new Date();
    if (latest?.dtsRefreshed !== stepStart(now, settings.stepMs).toISOString()) latest = rateTableAt(now, settings);
    return c.json({ success: true, rates: latest });
  });
}
