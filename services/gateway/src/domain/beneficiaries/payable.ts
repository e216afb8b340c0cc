import type { z } from '@hono/zod-openapi';
import { destinationByRail, type Rail } from '@amplifi/backoffice';
import type { PayeeFields } from '@amplifi/db';
import { ApiError } from '@amplifi/errors';
import type { AppDeps } from '../../context';
import { secretFieldOf } from './normalize';
import { decryptSecret } from './records';
import { notFound } from './service';

/** A beneficiary ready to be paid: its destination as the back-office's contract has it for the rail. */
export type PayableBeneficiary = {
  [R in Rail]: { id: string; txnType: R; destination: z.output<(typeof destinationByRail)[R]> };
}[Rail];

const refuse = (message: string) => new ApiError('VALIDATION_FAILED', { fields: [{ path: 'AFiBeneficiaryId', message }] });

/**
 * The destination of one of the user's beneficiaries, for a payment, from the row read for it (undefined: the
 * user has no such live beneficiary). The sensitive number is decrypted into it: the result is for the
 * back-office call only, never for an answer or a log. Unknown, another user's or deleted → NOT_FOUND;
 * inactive → VALIDATION_FAILED. The destination is checked against the back-office's own schema for the rail,
 * so what passes here is what the connector accepts.
 */
export function asPayable(deps: Pick<AppDeps, 'cipher'>, row: PayeeFields | undefined): PayableBeneficiary {
  if (!row) throw notFound('beneficiary');
  if (!row.isActive) throw refuse('the beneficiary is not active');
  const secretField = secretFieldOf[row.txnType];
  const secret = decryptSecret(deps, row);
  const fields = { ...row.details, ...(secretField && secret !== null ? { [secretField]: secret } : {}) };
  const destination = destinationByRail[row.txnType].safeParse(fields);
  if (!destination.success) {
    const paths = destination.error.issues.map((i) => i.path.join('.')).join(', ');
    throw refuse(`the back-office cannot pay this beneficiary as stored (${paths})`);
  }
  return { id: row.id, txnType: row.txnType, destination: destination.data } as PayableBeneficiary;
}
