// HTTP/1.1 written by hand on a socket, so a test can send what no well-behaved client would:
// control bytes and stray separators in headers, duplicate headers, oversized values, any method.
import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  path: string;
  /**
   * Sent as written (UTF-8), after `Host` (the server's, unless these have one); no header is
   * added but Content-Length.
   */
  headers: [name: string, value: string][];
  body?: string;
}

export interface RawAnswer {
  status: number;
  /** Lowercase names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends one request on a connection of its own and reads the answer until the server closes it.
 * `closed`: the server closed without answering; `hang`: no answer within `patience` ms.
 */
export function sendRaw(
  url: string,
  request: RawRequest,
  patience = 5_000,
): Promise<RawAnswer | 'closed' | 'hang'> {
  const { hostname, port } = new URL(url);
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const lines = [`${request.method} ${request.path} HTTP/1.1`];
  if (!request.headers.some(([name]) => name.toLowerCase() === 'host')) {
    lines.push(`Host: ${hostname}:${port}`);
  }
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  if (body) lines.push(`Content-Length: ${body.length}`);
  lines.push('Connection: close', '', '');
  const head = Buffer.from(lines.join('\r\n'));
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('hang');
    }, patience);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // An event stream stays open: its head is the whole answer.
      const answer = parseAnswer(Buffer.concat(chunks));
      if (answer?.headers['content-type']?.startsWith('text/event-stream')) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseAnswer(Buffer.concat(chunks)) ?? 'closed');
    });
    // Written, not ended: a client that half-closes is taken by Node for one that went away,
    // and a route still working on the answer would never send it.
    socket.write(body ? Buffer.concat([head, body]) : head);
  });
}

function parseAnswer(raw: Buffer): RawAnswer | undefined {
  const text = raw.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  if (split === -1) return undefined;
  const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  if (!status) return undefined;
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = raw.subarray(Buffer.byteLength(text.slice(0, split + 4), 'latin1'));
  if (headers['transfer-encoding']?.includes('chunked')) body = dechunk(body);
  return { status: Number(status), headers, body: body.toString('utf8') };
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
