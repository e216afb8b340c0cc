export { errorStatus, errorCodes, statusOf, type ErrorCode, type ErrorStatus } from './codes';
export { messageFor, resolveLanguage, supportedLanguages, type Language } from './messages';
export { ApiError, errorEnvelope, toApiError, type ApiErrorOptions, type ErrorEnvelope, type FieldIssue } from './api-error';
export { fieldIssues } from './zod-issues';
