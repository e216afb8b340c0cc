import type { App } from '../openapi';
import { registerAdminRoutes } from './admin';

/** Every endpoint family registers itself here; one file per family. */
export const routeFamilies: ((app: App) => void)[] = [registerAdminRoutes];
