import { createRoute, z } from '@hono/zod-openapi';
import { findUserAccount, latestAccountTransactions, listUserAccounts } from '@amplifi/db';
import { ApiError } from '@amplifi/errors';
import { AccountSchema, accountView } from '../domain/accounts/account-view';
import { TransactionSchema, transactionView } from '../domain/accounts/transaction-view';
import { requireUser } from '../middleware/auth';
import { errorResponses, jsonResponse, userSecurity, type App } from '../openapi';

export const AccountIdParam = z.object({
  AFiAccountId: z.string().regex(/^[a-z0-9]{4,64}$/, 'an AFi id is lower-case letters and digits').openapi({ param: { name: 'AFiAccountId', in: 'path' } }),
});

const listAccounts = createRoute({
  method: 'get',
  path: '/accounts',
  tags: ['accounts'],
  summary: "The current user's accounts, with balances",
  security: userSecurity,
  middleware: [requireUser] as const,
  responses: { 200: jsonResponse(z.object({ success: z.literal(true), accounts: z.array(AccountSchema) }), 'Accounts'), ...errorResponses(401) },
});

const getAccount = createRoute({
  method: 'get',
  path: '/accounts/{AFiAccountId}',
  tags: ['accounts'],
  summary: 'One account of the current user',
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: AccountIdParam },
  responses: {
    200: jsonResponse(z.object({ success: z.literal(true), account: AccountSchema, userId: z.string() }), 'The account'),
    ...errorResponses(401, 404),
  },
});

const latestTransactions = createRoute({
  method: 'get',
  path: '/accounts/{AFiAccountId}/transactions/latest',
  tags: ['accounts'],
  summary: "Recent history: the smaller of the last 30 transactions and all in the last 12 months (a bare array, as documented)",
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: AccountIdParam },
  responses: { 200: jsonResponse(z.array(TransactionSchema), 'Newest first'), ...errorResponses(401, 404) },
});

export function registerAccountRoutes(app: App): void {
  app.openapi(listAccounts, async (c) => {
    const rows = await listUserAccounts(c.get('deps').db, c.get('user').id);
    return c.json({ success: true as const, accounts: rows.map(accountView) }, 200);
  });

  app.openapi(getAccount, async (c) => {
    const user = c.get('user');
    const row = await findUserAccount(c.get('deps').db, user.id, c.req.valid('param').AFiAccountId);
    if (!row) throw new ApiError('NOT_FOUND', { params: { resource: 'Account' } });
    return c.json({ success: true as const, account: accountView(row), userId: user.id }, 200);
  });

  app.openapi(latestTransactions, async (c) => {
    const { db, now } = c.get('deps');
    const userId = c.get('user').id;
    const { AFiAccountId } = c.req.valid('param');
    if (!(await findUserAccount(db, userId, AFiAccountId))) throw new ApiError('NOT_FOUND', { params: { resource: 'Account' } });
    const yearAgo = now();
    yearAgo.setUTCFullYear(yearAgo.getUTCFullYear() - 1);
    const rows = await latestAccountTransactions(db, userId, AFiAccountId, yearAgo, 30);
    return c.json(rows.map(transactionView), 200);
  });
}
