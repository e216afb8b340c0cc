import { BackOfficeError, type AccountTransaction } from '@amplifi/backoffice';
import { sagaKinds, statementLine } from '@amplifi/cache';
import { cacheStatementLines, findUserAccount, listAccountTransactions, type AccountRow, type TransactionWindow } from '@amplifi/db';
import { ApiError } from '@amplifi/errors';
import type { Logger } from '@amplifi/telemetry';
import type { AppDeps } from '../../context';
import { transactionView } from '@amplifi/views';

/** Who reads, for scoping and for the log. */
export interface Reader {
  userId: string;
  logger: Logger;
}

export interface HistoryRequest extends TransactionWindow {
  /** Ask the account's back-office for the window's lines first and cache them (read-through). */
  readThrough: boolean;
}

/**
 * The one read path of an account's history (GET …/transactions/latest and …/:dateStart/:dateEnd): the account
 * must be the reader's; with `readThrough` the back-office's lines for the window are cached first; the answer
 * always comes from Postgres, newest first. A back-office that cannot answer (down, slow, disabled) is logged
 * and the cache answers alone.
 */
export async function accountHistory(deps: AppDeps, reader: Reader, accountId: string, request: HistoryRequest) {
  const account = await findUserAccount(deps.db, reader.userId, accountId);
  if (!account) throw new ApiError('NOT_FOUND', { params: { resource: 'Account' } });
  // Without a read-through the lines are as fresh as the cache: stale while the back-office is unavailable.
  let isStale = deps.connectors.isDown(account.backOfficeId);
  if (request.readThrough) {
    // The back-office's range is inclusive; ours ends before `before`.
    const to = request.before ? new Date(request.before.getTime() - 1) : deps.now();
    isStale = !(await readThrough(deps, reader, account, request.from, to));
  }
  const rows = await listAccountTransactions(deps.db, reader.userId, account.id, request);
  return rows.map((row) => transactionView(row, isStale));
}

/** True when the back-office listed the window and it was cached. */
async function readThrough(deps: AppDeps, reader: Reader, account: AccountRow, from: Date, to: Date): Promise<boolean> {
  try {
    const connector = await deps.connectors.get(account.backOfficeId);
    const listed = (await connector.listTransactions(account.accountIdBo, from, to)).filter((line) => line.accountIdBO === account.accountIdBo);
    const isSagaLeg = (line: AccountTransaction) => sagaKinds.has(line.kind);
    await cacheStatementLines(deps.db, listed.filter((line) => !isSagaLeg(line)).map((line) => statementLine(account, line)));
    await cacheStatementLines(deps.db, listed.filter(isSagaLeg).map((line) => statementLine(account, line)), { keepExisting: true });
    return true;
  } catch (error) {
    if (!(error instanceof BackOfficeError)) throw error;
    reader.logger.warn(
      { backOfficeId: account.backOfficeId, accountId: account.id, reason: error.reason, kind: error.kind },
      'the back-office did not list the transactions; answering from the cache',
    );
    return false;
  }
}

