import type { App } from '../openapi';
import { registerAdminRoutes } from './admin';
import { registerBeneficiaryRoutes } from './beneficiaries';
import { registerPayeeRoutes } from './payees';
import { registerUserRoutes } from './user';

/** Every endpoint family registers itself here; one file per family. */
export const routeFamilies: ((app: App) => void)[] = [registerAdminRoutes, registerUserRoutes, registerBeneficiaryRoutes, registerPayeeRoutes];
