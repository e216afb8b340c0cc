import type { App } from '../openapi';
import { registerAdminRoutes } from './admin';
import { registerDeviceRoutes } from './devices';
import { registerTokenRoutes } from './token';
import { registerTotpRoutes } from './totp';
import { registerUserRoutes } from './user';

/** Every endpoint family registers itself here; one file per family. */
export const routeFamilies: ((app: App) => void)[] = [registerAdminRoutes, registerTokenRoutes, registerDeviceRoutes, registerTotpRoutes, registerUserRoutes];
