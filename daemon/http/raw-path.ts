// The request's raw, still percent-encoded path: decoding happens exactly once, in parseRequestPath.

export function rawPathOf(c: { env: unknown; req: { url: string } }): string {
  const incoming = (c.env as { incoming?: { url?: string } } | undefined)?.incoming;
  const target = incoming?.url ?? new URL(c.req.url).pathname;
  return target.split('?')[0];
}
