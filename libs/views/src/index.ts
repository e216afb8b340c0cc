/**
 * How AmpliFi shows its resources to the outside: the API's response objects and the `data` of webhook
 * events are built by the same functions, so a resource is masked exactly alike wherever it goes.
 */
export { AccountSchema, accountView, maskAccountNumber } from './account-view';
export { CardRestrictionsSchema, CardSchema, cardView, type CardView } from './card-view';
export { TransactionSchema, transactionView } from './transaction-view';
