import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

// The local webhook receiver every webhook scenario posts to: AmpliFi's sync service and the raw baseline
// alike. It reads each body, answers 200 and counts arrivals per group (the first path segment: /hooks/3 is
// group "hooks"). For the groups named in MARK_GROUPS it also keeps the arrival time of each transaction, by its
// back-office id, so the bench can match a deposit to its webhook. It does not verify signatures: the raw baseline
// sends none, and a receiver that verified only AmpliFi's would charge AmpliFi for the receiver's work.
//   GET  /_stats          { groups: { [group]: { count, firstMs, lastMs } } }
//   GET  /_marks/:group   { marks: [[transactionIdBO, atMs], …] }
//   POST /_reset          forgets everything

interface GroupStats {
  count: number;
  firstMs: number;
  lastMs: number;
}

const markGroups = new Set(['e2e', 'bare']);
let groups = new Map<string, GroupStats>();
let marks = new Map<string, [string, number][]>();

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on this machine. */
const nowMs = () => performance.timeOrigin + performance.now();

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function transactionIdOf(raw: string): string | undefined {
  const body = JSON.parse(raw) as { transactionIdBO?: string; data?: { transaction?: { transactionIdBO?: string } } };
  return body.data?.transaction?.transactionIdBO ?? body.transactionIdBO;
}

function control(req: IncomingMessage, res: ServerResponse, url: string): void {
  if (req.method === 'GET' && url === '/_stats') return json(res, { groups: Object.fromEntries(groups) });
  if (req.method === 'GET' && url.startsWith('/_marks/')) return json(res, { marks: marks.get(url.slice('/_marks/'.length)) ?? [] });
  if (req.method === 'POST' && url === '/_reset') {
    groups = new Map();
    marks = new Map();
    return json(res, { success: true });
  }
  res.writeHead(404).end();
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (url.startsWith('/_')) {
    req.resume();
    req.on('end', () => control(req, res, url));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const at = nowMs();
    const group = url.split('/')[1] ?? '';
    const stats = groups.get(group);
    if (stats) {
      stats.count += 1;
      stats.lastMs = at;
    } else {
      groups.set(group, { count: 1, firstMs: at, lastMs: at });
    }
    if (markGroups.has(group)) {
      const id = transactionIdOf(Buffer.concat(chunks).toString('utf8'));
      if (id) {
        const list = marks.get(group) ?? [];
        list.push([id, at]);
        marks.set(group, list);
      }
    }
    res.writeHead(200).end();
  });
});

server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'ready' }));
});

function stop(): void {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
