// A small HTTP client for tests: raw request paths (no URL normalisation), unix sockets, every header kept.

import http from 'node:http';

export interface HttpRequest {
  /** TCP port on 127.0.0.1, or a unix socket path. */
  port?: number;
  socketPath?: string;
  /** Sent exactly as given: `..`, `%2e` and backslashes are not normalised away as fetch() would. */
  path: string;
  method?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Every value of a header, in the order received (duplicates visible). */
  all(name: string): string[];
  body: Buffer;
  text(): string;
}

function headerValues(raw: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i].toLowerCase() === name.toLowerCase()) values.push(raw[i + 1]);
  return values;
}

export function request(req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const target = req.socketPath ? { socketPath: req.socketPath } : { host: '127.0.0.1', port: req.port };
    const outgoing = http.request({ ...target, path: req.path, method: req.method ?? 'GET', headers: req.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const raw = res.rawHeaders;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          all: (name) => headerValues(raw, name),
          body,
          text: () => body.toString('utf8'),
        });
      });
    });
    outgoing.setTimeout(req.timeoutMs ?? 30_000, () => outgoing.destroy(new Error(`timeout on ${req.path}`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** GET on 127.0.0.1:port, path sent as is. */
export function get(port: number, path: string, headers?: Record<string, string>): Promise<HttpResponse> {
  return request({ port, path, headers });
}

/** Percent-encodes each segment of a relative path, keeping the slashes. */
export function encodePath(rel: string): string {
  return rel.split('/').map(encodeURIComponent).join('/');
}
