// The front tier's renderer: node addresses and the listen checked, the upstream and the timeouts taken from the config.

import { describe, expect, it } from 'vitest';
import { validateConfig, type Config } from '../../daemon/config.js';
import { frontListen, frontNode, renderFrontConfig } from '../../daemon/nginx/front.js';
import { refusalOf } from '../helpers/expect-code.js';

function config(raw: Record<string, unknown> = {}): Config {
  return validateConfig({ cache_dir: '/var/cache/casterpak', access_log: '/var/log/nginx/casterpak.access.log', packaging_timeout: '120s', ...raw });
}

describe('front node addresses', () => {
  it('take host, host:port and [v6]:port, with port 80 when none is given', () => {
    expect(frontNode('10.0.0.1')).toBe('10.0.0.1:80');
    expect(frontNode('node-1.example.org:8080')).toBe('node-1.example.org:8080');
    expect(frontNode('[fd00::3]:81')).toBe('[fd00::3]:81');
    expect(frontNode('[fd00::3]')).toBe('[fd00::3]:80');
  });

  it.each(['', '10.0.0.1:0', '10.0.0.1:65536', 'http://10.0.0.1', '10.0.0.1;', 'a b', '-node', 'node:', 'fd00::3', 'unix:/run/x.sock'])('refuse %j with CONFIG_INVALID naming it', (value) => {
    const err = refusalOf(() => frontNode(value));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain(JSON.stringify(value));
  });
});

describe('the front listen address', () => {
  it('takes a port or an address and a port', () => {
    for (const value of ['80', '0.0.0.0:8080', '[::]:80', 'localhost:81']) expect(frontListen(value)).toBe(value);
  });

  it.each(['', '0', '65536', 'x', '80;', '0.0.0.0:'])('refuses %j', (value) => {
    expect(refusalOf(() => frontListen(value)).message).toMatch(/^--front-listen: /);
  });
});

describe('renderFrontConfig', () => {
  it('fills every placeholder: one server line per node, a try per node, the url_prefix location', () => {
    const text = renderFrontConfig(config({ url_prefix: '/vod/' }), { nodes: ['10.0.0.1', '10.0.0.2:8080', '[fd00::3]:80'], listen: '8000' });
    expect(text).not.toMatch(/\{\{|\}\}/);
    expect(text.match(/^\s*server \S+ max_fails=1 fail_timeout=10s;$/gm)).toEqual([
      '    server 10.0.0.1:80 max_fails=1 fail_timeout=10s;',
      '    server 10.0.0.2:8080 max_fails=1 fail_timeout=10s;',
      '    server [fd00::3]:80 max_fails=1 fail_timeout=10s;',
    ]);
    expect(text).toMatch(/^\s*proxy_next_upstream_tries 3;$/m);
    expect(text).toMatch(/^\s*listen 8000;$/m);
    expect(text).toMatch(/^\s*location \^~ \/vod\/ \{$/m);
    expect(text).toMatch(/\.\*\\\.\(\?:mp4\|m4v\|m4a\|mov\)\(\?:\\\.csmil\)\?\)\//);
  });

  it('waits longer than a node waits for its daemon, and bounds all tries together', () => {
    const text = renderFrontConfig(config({ packaging_timeout: '30s' }), { nodes: ['a', 'b'], listen: '80' });
    // The node's nginx waits packaging_timeout + 60 s for its daemon.
    expect(text).toMatch(/^\s*proxy_read_timeout 100s;$/m);
    expect(text).toMatch(/^\s*proxy_next_upstream_timeout 200s;$/m);
  });

  it('refuses a node named twice, even spelled differently, and an empty list', () => {
    expect(refusalOf(() => renderFrontConfig(config(), { nodes: ['10.0.0.1', '10.0.0.1:80'], listen: '80' })).message).toMatch(/named twice/);
    expect(refusalOf(() => renderFrontConfig(config(), { nodes: [], listen: '80' })).message).toMatch(/at least one node/);
  });
});
