import type { App } from '../openapi';
import { registerAdminRoutes } from './admin';
import { registerBeneficiaryRoutes } from './beneficiaries';
import { registerDeviceRoutes } from './devices';
import { registerPayeeRoutes } from './payees';
import { registerTokenRoutes } from './token';
import { registerTotpRoutes } from './totp';
import { registerUserRoutes } from './user';

/** Every endpoint family registers itself here; one file per family. */
export const routeFamilies: ((app: App) => void)[] = [
  registerAdminRoutes,
  registerTokenRoutes,
  registerDeviceRoutes,
  registerTotpRoutes,
  registerUserRoutes,
  registerBeneficiaryRoutes,
  registerPayeeRoutes,
];
