import { describe, expect, it } from 'vitest';
import { dts, idTags, newId, newLinkLinkId, newUndoId, randomString } from '@amplifi/contracts';

describe('AFi ids', () => {
  it('are the entity tag then lower-case base36', () => {
    expect(newId('user')).toMatch(/^aur[0-9a-z]{18}$/);
    expect(newId('beneficiary')).toMatch(/^pgben[0-9a-z]{18}$/);
    for (const tag of Object.values(idTags)) expect(tag).toMatch(/^[a-z]+$/);
  });

  it('do not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId('transaction')));
    expect(ids.size).toBe(10_000);
  });

  it('use every character of the alphabet about equally (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (const ch of randomString(36_000)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(36);
    for (const n of counts.values()) expect(n).toBeGreaterThan(700);
  });

  it('give device links 9 upper-case letters and undo handles lower-case letters', () => {
    expect(newLinkLinkId()).toMatch(/^[A-Z]{9}$/);
    expect(newUndoId()).toMatch(/^[a-z]{12}$/);
  });
});

describe('dts', () => {
  it('is ISO 8601 UTC with milliseconds', () => {
    expect(dts(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(dts('2023-12-20T13:44:28.498+01:00')).toBe('2023-12-20T12:44:28.498Z');
  });
});
