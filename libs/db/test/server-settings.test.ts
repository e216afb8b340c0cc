import { describe, expect, it } from 'vitest';
import { createDb, readServerSettings, serverSettingWarnings, warnAboutServerSettings } from '@amplifi/db';
import { useTestDatabase } from '@amplifi/testing';

const database = useTestDatabase();

describe('server settings', () => {
  it('reads autovacuum and track_counts as the server reports them', async () => {
    const settings = await readServerSettings(database.db);
    expect(['on', 'off']).toContain(settings.autovacuum);
    expect(['on', 'off']).toContain(settings.trackCounts);
    const warned: string[] = [];
    await warnAboutServerSettings(database.db, (message) => warned.push(message));
    expect(warned).toEqual(serverSettingWarnings(settings));
  });

  it('warns when autovacuum or the statistics it needs are off, and only then', () => {
    expect(serverSettingWarnings({ autovacuum: 'on', trackCounts: 'on' })).toEqual([]);
    expect(serverSettingWarnings({ autovacuum: 'off', trackCounts: 'on' })).toEqual([expect.stringMatching(/^autovacuum is off/)]);
    expect(serverSettingWarnings({ autovacuum: 'on', trackCounts: 'off' })).toEqual([expect.stringMatching(/^track_counts is off/)]);
    expect(serverSettingWarnings({ autovacuum: 'off', trackCounts: 'off' })).toHaveLength(2);
  });

  it('says so when the settings cannot be read, instead of failing the start', async () => {
    // Port 1: nothing listens there, so the connection is refused at once.
    const unreachable = createDb({ connectionString: 'postgres://postgres@127.0.0.1:1/none', poolSize: 1 });
    const warned: string[] = [];
    try {
      await warnAboutServerSettings(unreachable, (message) => warned.push(message));
    } finally {
      await unreachable.destroy();
    }
    expect(warned).toEqual([expect.stringMatching(/^could not read the Postgres server's settings: /)]);
  });
});
