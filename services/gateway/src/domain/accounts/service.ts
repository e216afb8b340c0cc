import { updateTransactionNotes, updateUserAccount, type AccountChanges, type TransactionNotes } from '@amplifi/db';
import { ApiError } from '@amplifi/errors';
import type { AppDeps } from '../../context';
import { accountView, transactionView } from '@amplifi/views';

/** Applies the user's changes to one of their accounts; another user's or an unknown account is a 404. */
export async function modifyAccount(deps: AppDeps, userId: string, accountId: string, changes: AccountChanges) {
  const row = await updateUserAccount(deps.db, userId, accountId, changes);
  if (!row) throw new ApiError('NOT_FOUND', { params: { resource: 'Account' } });
  return accountView(row, deps.connectors.isDown(row.backOfficeId));
}

/** Changes the user's notes on a line of one of their accounts; anything else is a 404. */
export async function modifyTransaction(deps: AppDeps, userId: string, accountId: string, transactionId: string, notes: TransactionNotes) {
  const row = await updateTransactionNotes(deps.db, userId, accountId, transactionId, notes);
  if (!row) throw new ApiError('NOT_FOUND', { params: { resource: 'Transaction' } });
  return transactionView(row, deps.connectors.isDown(row.backOfficeId));
}
