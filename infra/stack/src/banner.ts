import type { StackConfig } from './stack-config';

/** A URL a person can open: a wildcard listen address becomes localhost, an IPv6 address gets brackets. */
export function baseUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

/** The lines printed once every process is ready. */
export function formatBanner(config: StackConfig, options: { seeded: boolean }): string[] {
  const url = baseUrl(config.host, config.port);
  const lines = [
    '',
    `  AmpliFi is running (${config.nodeEnv})`,
    `    API          ${url}`,
    `    Docs         ${url}/docs`,
    `    OpenAPI      ${url}/openapi.json`,
  ];
  if (config.nodeEnv !== 'production') {
    lines.push(`    Back-offices ${config.sandboxes.map((s) => `${s.id} http://127.0.0.1:${s.port}`).join(', ')}`);
  }
  if (options.seeded) lines.push(`    Demo users   demo, demo2 (password ${config.demoPassword})`);
  if (config.devAdminKey) lines.push(`    Operator key ${config.devAdminKey} (the development key; set ADMIN_KEY_HASHES to replace it)`);
  lines.push('  Ctrl-C stops everything.', '');
  return lines;
}
