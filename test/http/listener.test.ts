// The daemon's listener: header size, header and whole-request timeouts, keep-alive and connection limits; the unix socket's mode and group.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf } from '../helpers/expect-code.js';
import { get, request } from '../helpers/http.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';
import { waitFor } from '../helpers/processes.js';
import { REPO_ROOT } from '../helpers/daemon.js';

/** A connection that sends `first`, then `more` every half second: what came back, and when it closed. */
function trickle(port: number, first: string, more: string): { received(): string; closed: Promise<void>; closedAfterMs(): number; stop(): void } {
  const startedMs = Date.now();
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  let closedAfterMs = 0;
  socket.on('data', (d: Buffer) => (received += d.toString()));
  const closed = new Promise<void>((resolve) => socket.on('close', () => ((closedAfterMs = Date.now() - startedMs), resolve())));
  socket.write(first);
  const timer = setInterval(() => socket.writable && socket.write(more), 500);
  return {
    received: () => received,
    closed,
    closedAfterMs: () => closedAfterMs,
    stop() {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

describe('the HTTP limits', () => {
  let served: ListeningDaemon;
  let port: number;

  beforeAll(async () => {
    served = await startListeningDaemon();
    port = Number(new URL(served.baseUrl).port);
  });
  afterAll(async () => {
    await served?.stop();
  });

  it('refuses headers over 16 KiB in all with 431, takes 15 KiB, and keeps serving', async () => {
    // The request line and the other headers take well under 1 KiB: 15 KiB of padding fits, 16 KiB does not.
    expect((await get(port, '/healthz', { 'X-Padding': 'a'.repeat(15 * 1024) })).status).toBe(200);
    const response = await get(port, '/healthz', { 'X-Padding': 'a'.repeat(16 * 1024) });
    expect(response.status).toBe(431);
    expect((await get(port, '/healthz')).status).toBe(200);
  });

  it('closes a connection whose headers trickle in for longer than 10 s with 408, not sooner, answering others meanwhile', async () => {
    // One more header line every half second: activity on the connection must not extend the deadline.
    const slow = trickle(port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: 1\r\n');
    try {
      expect((await get(port, '/healthz')).status).toBe(200);
      const outcome = await Promise.race([slow.closed.then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('still open'), 40_000))]);
      expect(outcome).toBe('closed');
      expect(slow.received()).toMatch(/^HTTP\/1\.1 408/);
      // The README's 10 s: a timer never fires early, so this lower bound holds on any machine (the upper
      // one above is generous, a loaded machine checks late).
      expect(slow.closedAfterMs()).toBeGreaterThanOrEqual(9_900);
    } finally {
      slow.stop();
    }
  }, 60_000);

  it('closes a connection whose request body trickles in for longer than 30 s with 408, not sooner, though its headers came at once', async () => {
    // Complete headers at once: the 10 s headers bound is met. The body they announce never completes:
    // one byte every half second, so the connection is never idle either.
    const slow = trickle(port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n', 'x');
    try {
      await waitFor('the answer to the request whose headers are complete', () => (slow.received().includes('\r\n\r\n') ? true : undefined));
      expect(slow.received()).toMatch(/^HTTP\/1\.1 200/);
      const outcome = await Promise.race([slow.closed.then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('still open'), 60_000))]);
      expect(outcome).toBe('closed');
      // What ends the connection is the whole-request bound: a 408 after the answer, then the close.
      expect(slow.received()).toMatch(/^HTTP\/1\.1 200 [^]*HTTP\/1\.1 408 Request Timeout\r\n/);
      // The README's 30 s, a lower bound as for the headers above (a timer never fires early).
      expect(slow.closedAfterMs()).toBeGreaterThanOrEqual(29_900);
    } finally {
      slow.stop();
    }
  }, 90_000);

  it("keeps idle connections open longer than nginx's upstream keepalive_timeout, so nginx closes them first", async () => {
    const dropIn = readFileSync(path.join(REPO_ROOT, 'nginx/casterpak-http.conf'), 'utf8');
    const nginxSec = Number(/^\s*keepalive_timeout\s+(\d+)s;/m.exec(dropIn)?.[1]);
    const response = await get(port, '/healthz', { Connection: 'keep-alive' });
    const daemonSec = Number(/timeout=(\d+)/.exec(String(response.headers['keep-alive']))?.[1]);
    // The README's figures: nginx 4 s, the daemon 6 s.
    expect(nginxSec).toBe(4);
    expect(daemonSec).toBe(6);
  });

  it('holds 1024 connections open at once, closes one more at accept without an answer, and serves again once one goes', async () => {
    const open: net.Socket[] = [];
    let closedByDaemon = 0;
    try {
      // Connections that send nothing yet: the daemon holds each one (up to the 10 s header timeout).
      await Promise.all(Array.from({ length: 1024 }, () => new Promise<void>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => resolve());
        socket.on('error', reject);
        // Read, so that a close from the daemon's side is seen.
        socket.on('end', () => (closedByDaemon += 1));
        socket.resume();
        open.push(socket);
      })));
      // The kernel completes the handshake before the daemon accepts: wait until the daemon has taken all of
      // them, which shows as a 1025th connection closed at once with no answer.
      const refused = await waitFor('the daemon to refuse the 1025th connection', () => oneMoreConnection(port).then((answer) => (answer === '' ? true : undefined)), 8_000);
      expect(refused).toBe(true);
      expect(closedByDaemon, 'connections of the 1024 that the daemon closed').toBe(0);
      open.pop()!.destroy();
      const served = await waitFor('a request once a connection is free', () => oneMoreConnection(port).then((answer) => (answer.startsWith('HTTP/1.1 200') ? answer : undefined)), 8_000);
      expect(served).toMatch(/^HTTP\/1\.1 200/);
    } finally {
      for (const socket of open) socket.destroy();
    }
  }, 30_000);
});

/** Sends GET /healthz on a new connection: what came back before the connection closed ('' when nothing did). */
function oneMoreConnection(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(received));
    socket.setTimeout(5_000, () => socket.destroy());
  });
}

/** A group the socket can be given other than the primary one, when there is one (root may use any). */
function anotherGroup(): { name: string; gid: number } | undefined {
  const primary = process.getgid?.();
  const ids = execFileSync('id', ['-G'], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
  const candidates = process.getuid?.() === 0 ? ['nogroup', 'adm'] : ids.filter((id) => id !== primary).map(String);
  for (const candidate of candidates) {
    try {
      const entry = execFileSync('getent', ['group', candidate], { encoding: 'utf8' }).split(':');
      if (Number(entry[2]) !== primary) return { name: entry[0], gid: Number(entry[2]) };
    } catch {
      // not on this machine
    }
  }
  return undefined;
}

describe('the unix socket', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'casterpak-socket-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is 0660 and belongs to the daemon's primary group by default, and answers on it", async () => {
    const socketPath = path.join(dir, 'default.sock');
    const served = await startListeningDaemon({ listen: `unix:${socketPath}` });
    try {
      const st = statSync(socketPath);
      expect(st.isSocket()).toBe(true);
      expect(st.mode & 0o777).toBe(0o660);
      expect(st.gid).toBe(process.getgid?.());
      expect((await request({ socketPath, path: '/healthz' })).status).toBe(200);
    } finally {
      await served.stop();
    }
  });

  it('takes socket_mode and a socket_group given by name', async () => {
    const group = anotherGroup() ?? { name: execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim(), gid: process.getgid?.() ?? 0 };
    const socketPath = path.join(dir, 'named.sock');
    const served = await startListeningDaemon({ listen: `unix:${socketPath}`, socket_mode: '0600', socket_group: group.name });
    try {
      const st = statSync(socketPath);
      expect(st.mode & 0o777).toBe(0o600);
      expect(st.gid).toBe(group.gid);
    } finally {
      await served.stop();
    }
  });

  it('refuses to start with a socket_group that does not exist, naming the key', async () => {
    const err = await failureOf(startListeningDaemon({ listen: `unix:${path.join(dir, 'bad.sock')}`, socket_group: 'casterpak-no-such-group' }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/^socket_group: no group named "casterpak-no-such-group"/);
  });

  it('refuses a socket_mode that is not an octal mode', async () => {
    const err = await failureOf(startListeningDaemon({ listen: `unix:${path.join(dir, 'bad.sock')}`, socket_mode: '0999' }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/socket_mode/);
  });
});
