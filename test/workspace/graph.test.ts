import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const rootManifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] };

interface Pkg {
  name: string;
  dir: string;
  declared: Set<string>;
  /** @amplifi/* packages imported from src/ (what runs in production). */
  runtimeImports: Set<string>;
  /** @amplifi/* packages imported from tests. */
  testImports: Set<string>;
}

function sourceFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry === 'node_modules') continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out = out.concat(sourceFiles(full));
    else if (full.endsWith('.ts')) out.push(full);
  }
  return out;
}

function importsOf(files: string[]): Set<string> {
  const found = new Set<string>();
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*['"](@amplifi\/[a-z-]+)/g)) found.add(match[1]!);
  }
  return found;
}

function workspaces(): Pkg[] {
  const dirs = rootManifest.workspaces.flatMap((pattern) =>
    pattern.endsWith('/*') ? readdirSync(path.join(root, pattern.slice(0, -2))).map((d) => path.join(pattern.slice(0, -2), d)) : [pattern],
  );
  return dirs
    .filter((dir) => {
      try {
        return statSync(path.join(root, dir, 'package.json')).isFile();
      } catch {
        return false;
      }
    })
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
      return {
        name: manifest.name as string,
        dir,
        declared: new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {})]),
        runtimeImports: importsOf(sourceFiles(path.join(root, dir, 'src'))),
        // Everything else in the package (tests, fixtures, benches) may import test-only packages.
        testImports: importsOf(sourceFiles(path.join(root, dir)).filter((f) => !f.startsWith(path.join(root, dir, 'src') + path.sep))),
      };
    });
}

describe('the workspace packages', () => {
  const packages = workspaces();

  it('declare every @amplifi package they import', () => {
    const undeclared = packages.flatMap((p) =>
      [...p.runtimeImports, ...p.testImports].filter((i) => i !== p.name && !p.declared.has(i)).map((i) => `${p.name} imports ${i}`),
    );
    expect(undeclared).toEqual([]);
  });

  it('have no circular imports between them', () => {
    const edges = new Map(packages.map((p) => [p.name, [...p.runtimeImports].filter((i) => i !== p.name)]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string, trail: string[]) => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(name)), name].join(' → '));
        return;
      }
      state.set(name, 'visiting');
      for (const next of edges.get(name) ?? []) visit(next, [...trail, name]);
      state.set(name, 'done');
    };
    for (const name of edges.keys()) visit(name, []);
    expect(cycles).toEqual([]);
  });

  it('are found by this test (it reads the real tree)', () => {
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(['@amplifi/gateway', '@amplifi/db', '@amplifi/errors']));
  });
});
