import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '@amplifi/errors';
import { isCurrencyCode } from '@amplifi/money';
import { RatesResponseSchema } from '../domain/rates/rate-view';
import { userRates } from '../domain/rates/service';
import { requireUser } from '../middleware/auth';
import { errorResponses, jsonResponse, userSecurity, type App } from '../openapi';

const currencyParam = (name: 'src' | 'dst', example: string) =>
  z
    .string()
    .refine(isCurrencyCode, 'Not an ISO 4217 currency code (three upper-case letters, e.g. USD)')
    .openapi({ param: { name, in: 'path' }, example });

const description = [
  'FX rates from every back-office the user has an account in that publishes rates (§3.19); rates may differ per back-office,',
  'so each carries its `backOfficeId` and `rateId` (back-office id + `src` + `dst`). Every call reads the back-offices\' current',
  'tables and keeps them in the AmpliFi cache; a back-office that cannot be reached is answered from its last cached table, whose',
  'rates keep the `dtsRefreshed` their back-office gave them, and one with nothing cached is left out while the others are answered.',
  'A back-office publishing a spread gives `buy` and `sell` around the mid `rate` (`isCommon: false`); rates are JSON numbers.',
  '`backOfficeRoutes` lists, for each ordered pair of the user\'s back-offices that settle with other banks, the route money takes',
  "between them: it leaves in the source's `baseCurrency` and arrives in the destination's (`settlementCurrency`).",
  '**AmpliFi charges no commission** on these routes: `AFiCommissionRate` is always 0. `backOffices` lists the user\'s back-offices',
  'with their base currencies (one disabled by the operator is left out everywhere); a user without accounts gets empty lists.',
].join(' ');

const filters = [
  '**Filtering (design by analogy, §1.1: path parameters only).** `GET /rates/{src}` answers only the rates from `src`;',
  '`GET /rates/{src}/{dst}` only the rates from `src` to `dst` (one per back-office publishing the pair); both answer the same',
  'object as `GET /rates`, with `backOfficeRoutes` and `backOffices` unfiltered. A currency that is not an active ISO 4217 code in',
  'upper case (`usd`, `XYZ`, `XAU`) is a 400 naming the parameter; `src` equal to `dst` is a 400 on `dst`. A valid currency that',
  'no back-office quotes answers an empty `rates` list.',
].join(' ');

const responses = { 200: jsonResponse(RatesResponseSchema, 'The rates, back-office routes and back-offices of the user'), ...errorResponses(401) };

const allRates = createRoute({
  method: 'get',
  path: '/rates',
  tags: ['rates'],
  summary: "FX rates from the user's back-offices, and the routes between them",
  description: `${description}\n\n${filters}`,
  security: userSecurity,
  middleware: [requireUser] as const,
  responses,
});

const ratesFrom = createRoute({
  method: 'get',
  path: '/rates/{src}',
  tags: ['rates'],
  summary: 'FX rates from one currency',
  description: filters,
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: z.object({ src: currencyParam('src', 'USD') }) },
  responses,
});

const ratesBetween = createRoute({
  method: 'get',
  path: '/rates/{src}/{dst}',
  tags: ['rates'],
  summary: 'FX rates from one currency to another',
  description: filters,
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: z.object({ src: currencyParam('src', 'USD'), dst: currencyParam('dst', 'EUR') }) },
  responses,
});

export function registerRateRoutes(app: App): void {
  app.openapi(allRates, async (c) => c.json(await userRates(c.get('deps'), c.get('logger'), c.get('user').id, {}), 200));

  app.openapi(ratesFrom, async (c) => c.json(await userRates(c.get('deps'), c.get('logger'), c.get('user').id, c.req.valid('param')), 200));

  app.openapi(ratesBetween, async (c) => {
    const filter = c.req.valid('param');
    if (filter.src === filter.dst) throw new ApiError('VALIDATION_FAILED', { fields: [{ path: 'dst', message: 'Must differ from src' }] });
    return c.json(await userRates(c.get('deps'), c.get('logger'), c.get('user').id, filter), 200);
  });
}
