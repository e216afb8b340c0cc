export { nameStatement, NamedStatementClient } from './named-statements';
export { preparedFor, type PreparedOptions } from './prepared';
export { arrayArgument, columnArrays, unnestArrays, type ArrayColumn } from './unnest';
