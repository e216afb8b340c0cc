export { NamedStatementClient } from './named-statements';
export { preparedFor } from './prepared';
export { arrayArgument, columnArrays, unnestArrays, type ArrayColumn } from './unnest';
