import type { BeneficiaryRow, TxnType } from '@amplifi/db';
import { toJsonNumber, toMoney } from '@amplifi/money';
import { secretFieldOf, type BeneficiaryDetails } from './normalize';
import type { Beneficiary, Payee } from './schemas';

const typeNames: Record<TxnType, string> = {
  USA: 'USA interbank transfer',
  USA_wire: 'USA wire transfer',
  international: 'International wire transfer',
  paypal: 'PayPal',
  tocard: 'Card',
  cheque: 'Paper cheque',
};

/** How every answer shows a sensitive number: only its last four characters (reference §1.8, seed 004). */
export function maskSecret(last4: string): string {
  return `****${last4}`;
}

/**
 * A stored record as answered. The sensitive number comes from `secret_last4` alone: answering never decrypts,
 * so no plain account number, IBAN or PAN is ever in memory to leak into an answer.
 */
function presentRecord(row: BeneficiaryRow) {
  const details = row.details as BeneficiaryDetails;
  const secretField = secretFieldOf[row.txnType];
  const defaultAmount = row.defaultAmount !== null && row.defaultCurrency !== null ? toJsonNumber(toMoney(row.defaultAmount, row.defaultCurrency)) : null;
  return {
    AFiUserId: row.userId,
    name: row.name,
    txnType: row.txnType,
    typeName: typeNames[row.txnType],
    defaultAmount,
    defaultCurrency: row.defaultCurrency,
    status: row.status,
    isActive: row.isActive,
    isFavourite: row.isFavourite,
    isHidden: row.isHidden,
    isDeleted: row.isDeleted,
    dtsCreated: row.dtsCreated.toISOString(),
    dtsModified: row.dtsModified.toISOString(),
    ...details,
    ...(secretField && row.secretLast4 !== null ? { [secretField]: maskSecret(row.secretLast4) } : {}),
  };
}

export function presentBeneficiary(row: BeneficiaryRow): Beneficiary {
  return { AFiBeneficiaryId: row.id, ...presentRecord(row) };
}

export function presentPayee(row: BeneficiaryRow): Payee {
  return { AFiPayeeId: row.id, ...presentRecord(row) };
}
