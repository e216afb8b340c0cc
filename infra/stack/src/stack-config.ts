/** What `npm start` needs to know; each service validates its own, fuller configuration when it starts. */
export interface StackConfig {
  nodeEnv: 'development' | 'test' | 'production';
  databaseUrl: string;
  redisUrl: string;
  host: string;
  port: number;
  demoPassword: string;
  /** The development operator key when the gateway will accept it, to print; otherwise undefined. */
  devAdminKey: string | undefined;
  /** The sandbox back-offices `npm start` runs outside production (each in its own schema of one database). */
  sandboxes: SandboxSpec[];
  sandboxDatabaseUrl: string;
}

export interface SandboxSpec {
  id: 'sandbox-usd' | 'sandbox-eur';
  port: number;
  currencies: string;
}

/** The gateway's development operator key (DEV_ADMIN_KEY in @amplifi/config). */
export const DEV_ADMIN_KEY = 'amplifi-dev-admin-key';

// The defaults of baseShape in @amplifi/config and of the gateway's config, so that the URLs probed here
// are the ones the services will use.
const defaults: Record<string, string> = {
  NODE_ENV: 'development',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/amplifi',
  REDIS_URL: 'redis://127.0.0.1:6379',
  HOST: '127.0.0.1',
  PORT: '3000',
  DEMO_PASSWORD: 'demo-password-1',
  SANDBOX_USD_PORT: '4101',
  SANDBOX_EUR_PORT: '4102',
};

/** Reads the start-up settings, listing every problem at once. Empty variables count as unset. */
export function readStackConfig(env: NodeJS.ProcessEnv): StackConfig {
  const get = (key: string): string => env[key] || defaults[key] || '';
  const problems: string[] = [];
  const url = (key: string, protocols: string[]): string => {
    const value = get(key);
    if (!URL.canParse(value) || !protocols.includes(new URL(value).protocol)) {
      problems.push(`${key}: expected a ${protocols.map((p) => `${p}//`).join(' or ')} URL`);
    }
    return value;
  };
  const nodeEnv = get('NODE_ENV');
  if (nodeEnv !== 'development' && nodeEnv !== 'test' && nodeEnv !== 'production') {
    problems.push('NODE_ENV: expected development, test or production');
  }
  const portOf = (key: string): number => {
    const value = Number(get(key));
    if (!Number.isInteger(value) || value < 1 || value > 65535) problems.push(`${key}: expected an integer from 1 to 65535`);
    return value;
  };
  const port = portOf('PORT');
  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const config: StackConfig = {
    nodeEnv: nodeEnv as StackConfig['nodeEnv'],
    databaseUrl,
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    host: get('HOST'),
    port,
    demoPassword: get('DEMO_PASSWORD'),
    // The gateway falls back to the development key only when no ADMIN_KEY_HASHES are configured.
    devAdminKey: !env.ADMIN_KEY_HASHES && (env.ADMIN_KEY || DEV_ADMIN_KEY) === DEV_ADMIN_KEY ? DEV_ADMIN_KEY : undefined,
    sandboxes: [
      { id: 'sandbox-usd', port: portOf('SANDBOX_USD_PORT'), currencies: 'USD' },
      { id: 'sandbox-eur', port: portOf('SANDBOX_EUR_PORT'), currencies: 'EUR' },
    ],
    sandboxDatabaseUrl: env.SANDBOX_DATABASE_URL || sameServer(databaseUrl, 'amplifi_sandbox'),
  };
  if (problems.length) throw new Error(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return config;
}

function sameServer(databaseUrl: string, name: string): string {
  if (!URL.canParse(databaseUrl)) return databaseUrl;
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The environment every process of the stack gets: the caller's, with the resolved settings. */
export function stackEnv(config: StackConfig, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    NODE_ENV: config.nodeEnv,
    DATABASE_URL: config.databaseUrl,
    REDIS_URL: config.redisUrl,
    HOST: config.host,
    PORT: String(config.port),
    DEMO_PASSWORD: config.demoPassword,
    DEMO_SANDBOX_USD_URL: `http://127.0.0.1:${config.sandboxes[0]?.port}`,
    DEMO_SANDBOX_EUR_URL: `http://127.0.0.1:${config.sandboxes[1]?.port}`,
    // Where the demo sandboxes push their change events, and the secrets they sign them with.
    DEMO_GATEWAY_URL: `http://127.0.0.1:${config.port}`,
    BACKOFFICE_SANDBOX_USD_WEBHOOK_SECRET: env.BACKOFFICE_SANDBOX_USD_WEBHOOK_SECRET || demoWebhookSecret,
    BACKOFFICE_SANDBOX_EUR_WEBHOOK_SECRET: env.BACKOFFICE_SANDBOX_EUR_WEBHOOK_SECRET || demoWebhookSecret,
    // The demo's webhook receivers are on this machine; production refuses loopback and private targets.
    WEBHOOK_ALLOW_PRIVATE_TARGETS: config.nodeEnv === 'production' ? env.WEBHOOK_ALLOW_PRIVATE_TARGETS : (env.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? 'true'),
  };
}

/** Signs the demo sandboxes' pushed events; a demo value, like the demo password. */
const demoWebhookSecret = 'amplifi-demo-backoffice-webhook-secret';
