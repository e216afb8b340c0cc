import type { App } from '../openapi';
import { registerAccountRoutes } from './accounts';
import { registerAdminRoutes } from './admin';
import { registerBeneficiaryRoutes } from './beneficiaries';
import { registerDeviceRoutes } from './devices';
import { registerPayeeRoutes } from './payees';
import { registerRemittanceRoutes } from './remittances';
import { registerTokenRoutes } from './token';
import { registerTotpRoutes } from './totp';
import { registerTransferRoutes } from './transfers';
import { registerUndoRoutes } from './undo';
import { registerUserRoutes } from './user';

/** Every endpoint family registers itself here; one file per family. */
export const routeFamilies: ((app: App) => void)[] = [registerAdminRoutes, registerTokenRoutes, registerDeviceRoutes, registerTotpRoutes, registerUndoRoutes, registerUserRoutes,
  registerAccountRoutes, registerRemittanceRoutes, registerTransferRoutes, registerBeneficiaryRoutes, registerPayeeRoutes];
