import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@amplifi/testing';
import { BackOfficeError, ConnectorRegistry, type StoredBackOfficeRecord } from '@amplifi/backoffice';
import { useConnectedSandbox } from './support';

const sandbox = useConnectedSandbox({ label: 'registry' });

/** Records as a database would hold them, and how often each was read. */
function store() {
  const records = new Map<string, StoredBackOfficeRecord>();
  const reads = new Map<string, number>();
  return {
    records,
    reads: (id: string) => reads.get(id) ?? 0,
    put(id: string, changes: Partial<StoredBackOfficeRecord> = {}) {
      const previous = records.get(id);
      records.set(id, {
        id,
        kind: 'sandbox',
        currencies: ['USD'],
        capabilities: ['paypal'],
        settings: { baseUrl: sandbox.instance.url },
        isEnabled: true,
        ...previous,
        ...changes,
        dtsModified: new Date((previous?.dtsModified.getTime() ?? Date.now()) + 1),
      });
    },
    async load(id: string) {
      reads.set(id, (reads.get(id) ?? 0) + 1);
      await new Promise((resolve) => setImmediate(resolve));
      const record = records.get(id);
      return record && { ...record };
    },
  };
}

const registries: ConnectorRegistry[] = [];
function registry(db: ReturnType<typeof store>, options: { refreshMs?: number; retireAfterMs?: number } = {}) {
  const created = new ConnectorRegistry({ timeoutMs: 1_000, load: (id) => db.load(id), ...options });
  registries.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.close()));
});

describe('ConnectorRegistry', () => {
  it('builds one connector per back-office and shares one read between concurrent callers', async () => {
    const db = store();
    db.put('bo-a');
    const connectors = registry(db, { refreshMs: 60_000 });
    const all = await Promise.all([connectors.get('bo-a'), connectors.get('bo-a'), connectors.get('bo-a')]);
    expect(new Set(all).size).toBe(1);
    expect(await connectors.get('bo-a')).toBe(all[0]);
    expect(db.reads('bo-a')).toBe(1);
    expect(await all[0]!.health()).toMatchObject({ healthy: true });
  });

  it('reads the record again after refreshMs and keeps the connector while the record is unchanged', async () => {
    const db = store();
    db.put('bo-b');
    const connectors = registry(db, { refreshMs: 20 });
    const first = await connectors.get('bo-b');
    await waitFor(async () => (await connectors.get('bo-b')) && db.reads('bo-b') >= 3, { what: 'two more reads' });
    expect(await connectors.get('bo-b')).toBe(first);
  });

  it('rebuilds the connector when another process changed the record, and closes the old one later', async () => {
    const db = store();
    db.put('bo-c');
    const connectors = registry(db, { refreshMs: 20, retireAfterMs: 50 });
    const first = await connectors.get('bo-c');
    db.put('bo-c', { settings: { baseUrl: 'http://127.0.0.1:1' } });
    const second = await waitFor(async () => {
      const current = await connectors.get('bo-c');
      return current !== first && current;
    }, { what: 'the new connector' });
    expect(await second.health()).toMatchObject({ healthy: false, reason: 'network' });
    // A call that already held the old connector may still use it for a while, then it is closed.
    expect(await first.health()).toMatchObject({ healthy: true });
    await waitFor(async () => {
      const health = await first.health();
      return !health.healthy && health.reason === 'client_error';
    }, { what: 'the old connector to be closed' });
  });

  it('rebuilds at once after invalidate(), without waiting for refreshMs', async () => {
    const db = store();
    db.put('bo-d');
    const connectors = registry(db, { refreshMs: 60_000 });
    const first = await connectors.get('bo-d');
    db.put('bo-d', { capabilities: ['paypal', 'USA'] });
    expect(await connectors.get('bo-d')).toBe(first);
    connectors.invalidate('bo-d');
    const second = await connectors.get('bo-d');
    expect(second).not.toBe(first);
    expect(second.capabilities.rails).toEqual(['USA', 'paypal']);
  });

  it('refuses a disabled back-office with a retryable BackOfficeError, and serves it again once enabled', async () => {
    const db = store();
    db.put('bo-e');
    const connectors = registry(db, { refreshMs: 60_000 });
    await connectors.get('bo-e');
    db.put('bo-e', { isEnabled: false });
    connectors.invalidate('bo-e');
    const error = await connectors.get('bo-e').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackOfficeError);
    expect(error).toMatchObject({ kind: 'retryable', reason: 'disabled', backOfficeId: 'bo-e', message: 'back-office bo-e is disabled by its operator' });
    db.put('bo-e', { isEnabled: true });
    expect(await (await connectors.get('bo-e')).health()).toMatchObject({ healthy: true });
  });

  it('names an unknown back-office and unusable settings', async () => {
    const db = store();
    const connectors = registry(db);
    await expect(connectors.get('nowhere')).rejects.toThrow('no back-office nowhere is configured');
    db.put('bo-f', { settings: { baseUrl: 'ftp://files.example' } });
    await expect(connectors.get('bo-f')).rejects.toThrow('back-office bo-f has unusable settings (settings.baseUrl: baseUrl must be an http(s) URL)');
    db.put('bo-f', { settings: { baseUrl: sandbox.instance.url } });
    expect(await (await connectors.get('bo-f')).health()).toMatchObject({ healthy: true });
  });
});
