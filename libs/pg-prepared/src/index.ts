export { NamedStatementClient } from './named-statements';
export { preparedFor } from './prepared';
export { arrayArgument } from './array-argument';
