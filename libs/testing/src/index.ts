export { countingStatements, linkTestAccount, useTestDatabase, uniqueQueuePrefix, waitFor, type TestDatabase } from './fixtures';
export { cloneTemplate, databaseUrl, dropDatabase, prepareTemplate } from './databases';
export { freePort, processGroupAlive, repoRoot, startServiceProcess, type ServiceProcess } from './processes';
