import readline from 'node:readline';
import type { Readable } from 'node:stream';

/** Writes one line of a named process's output, prefixed with `name |`. */
export type LinePrinter = (name: string, line: string) => void;

export interface LinePrinterOptions {
  /** Every name that will be printed, so that the `|` columns line up from the first line on. */
  names: string[];
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Defaults to whether the stream is a terminal (and NO_COLOR is unset). */
  color?: boolean;
}

const palette = [36, 35, 33, 32, 34, 91, 96, 95];

export function createLinePrinter(options: LinePrinterOptions): LinePrinter {
  const stream = options.stream ?? process.stdout;
  const color = options.color ?? (Boolean(stream.isTTY) && !process.env.NO_COLOR);
  const width = Math.max(...options.names.map((n) => n.length));
  const prefixes = new Map<string, string>();
  const prefixOf = (name: string): string => {
    let prefix = prefixes.get(name);
    if (prefix === undefined) {
      const padded = name.padEnd(width);
      const code = palette[prefixes.size % palette.length];
      prefix = color ? `\x1b[${code}m${padded} |\x1b[0m ` : `${padded} | `;
      prefixes.set(name, prefix);
    }
    return prefix;
  };
  for (const name of options.names) prefixOf(name);
  return (name, line) => {
    stream.write(`${prefixOf(name)}${line}\n`);
  };
}

/** Calls `onLine` for every line of `input`, including a last line without a newline. */
export function forEachLine(input: Readable, onLine: (line: string) => void): void {
  readline.createInterface({ input, crlfDelay: Infinity }).on('line', onLine);
}
