import type { App } from '../openapi';
import { registerAccountRoutes } from './accounts';
import { registerAdminRoutes } from './admin';
import { registerAdminBackOfficeRoutes } from './admin-backoffices';
import { registerAdminWebhookRoutes } from './admin-webhooks';
import { registerBeneficiaryRoutes } from './beneficiaries';
import { registerCardRoutes } from './cards';
import { registerDeviceRoutes } from './devices';
import { registerIngestRoutes } from './ingest';
import { registerPayeeRoutes } from './payees';
import { registerRateRoutes } from './rates';
import { registerRemittanceRoutes } from './remittances';
import { registerTokenRoutes } from './token';
import { registerTotpRoutes } from './totp';
import { registerTransferRoutes } from './transfers';
import { registerUndoRoutes } from './undo';
import { registerUserRoutes } from './user';

/** Every endpoint family registers itself here; one file per family. */
export const routeFamilies: ((app: App) => void)[] = [registerAdminRoutes, registerAdminBackOfficeRoutes, registerAdminWebhookRoutes, registerTokenRoutes, registerDeviceRoutes, registerTotpRoutes, registerUndoRoutes, registerUserRoutes,
  registerAccountRoutes, registerRemittanceRoutes, registerTransferRoutes, registerBeneficiaryRoutes, registerPayeeRoutes, registerCardRoutes, registerRateRoutes,
  registerIngestRoutes];
