import { describe, expect, it } from 'vitest';
import { classifyAddress, forbiddenHostReason } from '@amplifi/security';

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'private'],
    ['100.128.0.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['192.0.2.10', 'documentation'],
    ['198.18.0.1', 'reserved'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved'],
  ])('judges IPv4 %s as %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each([
    ['2606:4700:4700::1111', 'public'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['fec0::1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['64:ff9b::808:808', 'public'],
    ['2002:c0a8:0101::1', 'private'],
    ['::127.0.0.1', 'reserved'],
  ])('judges IPv6 %s as %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('refuses something that is not an address', () => {
    expect(() => classifyAddress('example.com')).toThrow();
  });
});

describe('forbiddenHostReason', () => {
  it('names the problem of literal addresses and localhost, and leaves other names to resolution', () => {
    expect(forbiddenHostReason('127.0.0.1')).toMatch(/loopback/);
    expect(forbiddenHostReason('[::ffff:169.254.169.254]')).toMatch(/link-local/);
    expect(forbiddenHostReason('LOCALHOST.')).toMatch(/loopback/);
    expect(forbiddenHostReason('api.localhost')).toMatch(/loopback/);
    expect(forbiddenHostReason('8.8.8.8')).toBeUndefined();
    expect(forbiddenHostReason('hooks.example.com')).toBeUndefined();
  });
});
