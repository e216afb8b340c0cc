export * from './amounts';
export * from './destinations';
export * from './requests';
export * from './resources';
export * from './sandbox-admin';
export * from './cards';
export * from './rates';
