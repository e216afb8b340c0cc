import { createRoute, z } from '@hono/zod-openapi';
import { findUserAccount, listUserAccounts } from '@amplifi/db';
import { ApiError } from '@amplifi/errors';
import { AccountSchema, accountView, TransactionSchema } from '@amplifi/views';
import { accountHistory } from '../domain/accounts/history';
import {
  AccountChangesSchema,
  AccountIdParam,
  DateRangeParams,
  endOfDay,
  historyLimits,
  startOfDay,
  TransactionChangesSchema,
  TransactionParams,
} from '../domain/accounts/schemas';
import { modifyAccount, modifyTransaction } from '../domain/accounts/service';
import { freshAccounts } from '../domain/stand-in/fresh';
import { requireUser } from '../middleware/auth';
import { errorResponses, jsonRequest, jsonResponse, userSecurity, type App } from '../openapi';

const masked = 'Account numbers (`num`) are masked to their first 6 and last 4 digits in every answer.';
const standIn =
  'Answered from the AmpliFi cache; balances older than FRESHNESS_ACCOUNTS_MS are first refreshed from the back-office when it is up. ' +
  'While an account\'s back-office is unavailable its account is answered from the cache with `isStale: true` (`dtsCached` says when AmpliFi last heard of it).';

const AccountResponseSchema = z.object({ success: z.literal(true), account: AccountSchema }).openapi('AccountResponse');
const TransactionResponseSchema = z.object({ success: z.literal(true), transaction: TransactionSchema }).openapi('TransactionResponse');

const listAccounts = createRoute({
  method: 'get',
  path: '/accounts',
  tags: ['accounts'],
  summary: "The current user's accounts, with balances",
  description: `${standIn} ${masked}`,
  security: userSecurity,
  middleware: [requireUser] as const,
  responses: { 200: jsonResponse(z.object({ success: z.literal(true), accounts: z.array(AccountSchema) }), 'Accounts'), ...errorResponses(401) },
});

const getAccount = createRoute({
  method: 'get',
  path: '/accounts/{AFiAccountId}',
  tags: ['accounts'],
  summary: 'One account of the current user',
  description: `${standIn} ${masked}`,
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: AccountIdParam },
  responses: {
    200: jsonResponse(z.object({ success: z.literal(true), account: AccountSchema, userId: z.string() }), 'The account'),
    ...errorResponses(401, 404),
  },
});

const modify = createRoute({
  method: 'post',
  path: '/accounts/{AFiAccountId}',
  tags: ['accounts'],
  summary: 'Change the user-editable properties of an account (send only the changed fields)',
  description: [
    'Any of `name`, `isMain` and `isHidden` (§3.5); other fields are ignored (§1.7), so a body with none of them changes',
    'nothing and answers the account as it is. A field of the wrong type is a 400 (`null` included). A user has at most one',
    'main account: `isMain: true` makes this one main and clears the flag on the others in the same transaction.',
    '**Decision:** `isMain: false` on the main account is accepted and leaves the user without a main account.',
    "Another user's account is a 404.",
    masked,
  ].join(' '),
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: AccountIdParam, body: jsonRequest(AccountChangesSchema) },
  responses: { 200: jsonResponse(AccountResponseSchema, 'The account after the change'), ...errorResponses(401, 404) },
});

const fromCache =
  'Answered from the AmpliFi cache, newest first, as a bare array (as documented). A back-office that cannot be reached ' +
  '(down, too slow, or disabled by the operator) does not fail the request: the cached lines are answered.';

const latestTransactions = createRoute({
  method: 'get',
  path: '/accounts/{AFiAccountId}/transactions/latest',
  tags: ['accounts'],
  summary: `Recent history: the smaller of the last ${historyLimits.latestCount} transactions and all in the last ${historyLimits.latestMonths} months`,
  description: `${fromCache} This endpoint reads only the cache; GET …/transactions/:dateStart/:dateEnd reads the back-office too.`,
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: AccountIdParam },
  responses: { 200: jsonResponse(z.array(TransactionSchema), 'Newest first'), ...errorResponses(401, 404) },
});

const rangeTransactions = createRoute({
  method: 'get',
  path: '/accounts/{AFiAccountId}/transactions/{dateStart}/{dateEnd}',
  tags: ['accounts'],
  summary: 'History for a date range, both whole days included (UTC)',
  description: [
    'Dates are ISO 8601 calendar dates (`2024-10-26`) that exist; `dateEnd` may equal `dateStart` (one day) but not precede it.',
    `A range spans at most ${historyLimits.rangeYears} years, since each request reads the whole range from the back-office.`,
    "The account's back-office is asked for the range first and what it lists is cached (a line's state and amount are",
    "updated, the user's comment and labels kept).",
    fromCache,
  ].join(' '),
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: DateRangeParams },
  responses: { 200: jsonResponse(z.array(TransactionSchema), 'Newest first'), ...errorResponses(401, 404) },
});

const aliases = ['account', 'accounts'].flatMap((account) => ['transaction', 'transactions'].map((transaction) => ({ account, transaction })));

const modifyTransactionRoutes = aliases.map(({ account, transaction }, index) =>
  createRoute({
    method: 'post',
    path: `/${account}/{AFiAccountId}/${transaction}/{transactionId}`,
    // §1.6: the four spellings are one endpoint; the first documents it.
    hide: index > 0,
    tags: ['accounts'],
    summary: "Change the user's comment and labels on a transaction",
    description: [
      '`account` and `accounts`, `transaction` and `transactions` are interchangeable in the path (§1.6).',
      'The body is `{ "changes": { "comment"?, "labels"? } }`; `changes` must name at least one of them, other fields are ignored.',
      'The transaction must be on that account of the current user, else 404.',
    ].join(' '),
    security: userSecurity,
    middleware: [requireUser] as const,
    request: { params: TransactionParams, body: jsonRequest(TransactionChangesSchema) },
    responses: { 200: jsonResponse(TransactionResponseSchema, 'The transaction after the change'), ...errorResponses(401, 404) },
  }),
);

export function registerAccountRoutes(app: App): void {
  app.openapi(listAccounts, async (c) => {
    const deps = c.get('deps');
    const accounts = await freshAccounts(deps, c.get('logger'), await listUserAccounts(deps.db, c.get('user').id));
    return c.json({ success: true as const, accounts: accounts.map(({ row, isStale }) => accountView(row, isStale)) }, 200);
  });

  app.openapi(getAccount, async (c) => {
    const deps = c.get('deps');
    const user = c.get('user');
    const row = await findUserAccount(deps.db, user.id, c.req.valid('param').AFiAccountId);
    if (!row) throw new ApiError('NOT_FOUND', { params: { resource: 'Account' } });
    const [account] = await freshAccounts(deps, c.get('logger'), [row]);
    return c.json({ success: true as const, account: accountView(account!.row, account!.isStale), userId: user.id }, 200);
  });

  app.openapi(modify, async (c) => {
    const account = await modifyAccount(c.get('deps'), c.get('user').id, c.req.valid('param').AFiAccountId, c.req.valid('json'));
    return c.json({ success: true as const, account }, 200);
  });

  app.openapi(latestTransactions, async (c) => {
    const deps = c.get('deps');
    const from = deps.now();
    from.setUTCMonth(from.getUTCMonth() - historyLimits.latestMonths);
    const reader = { userId: c.get('user').id, logger: c.get('logger') };
    const lines = await accountHistory(deps, reader, c.req.valid('param').AFiAccountId, { from, limit: historyLimits.latestCount, readThrough: false });
    return c.json(lines, 200);
  });

  app.openapi(rangeTransactions, async (c) => {
    const { AFiAccountId, dateStart, dateEnd } = c.req.valid('param');
    const reader = { userId: c.get('user').id, logger: c.get('logger') };
    const lines = await accountHistory(c.get('deps'), reader, AFiAccountId, { from: startOfDay(dateStart), before: endOfDay(dateEnd), readThrough: true });
    return c.json(lines, 200);
  });

  for (const route of modifyTransactionRoutes) {
    app.openapi(route, async (c) => {
      const { AFiAccountId, transactionId } = c.req.valid('param');
      const transaction = await modifyTransaction(c.get('deps'), c.get('user').id, AFiAccountId, transactionId, c.req.valid('json').changes);
      return c.json({ success: true as const, transaction }, 200);
    });
  }
}
