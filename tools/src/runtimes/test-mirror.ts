import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP server standing in for a Debian mirror in tests. */
export interface TestMirror {
  /** Base URL, e.g. `http://127.0.0.1:40123/debian`. */
  readonly url: string;
  /** Every request path (with the Range header, if any), in order. */
  readonly requests: string[];
  /** Files served, by archive-relative path; tests may change them between requests. */
  readonly files: Map<string, Buffer>;
  close(): Promise<void>;
}

/**
 * Serves `files` below `/debian/`, honouring single `bytes=N-` ranges with
 * 206 as real mirrors do, and 404 for anything else. Test support only.
 */
export async function startTestMirror(files: Map<string, Buffer>): Promise<TestMirror> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '').replace(/^\/debian\//, ''));
    requests.push(req.headers.range === undefined ? path : `${path} ${req.headers.range}`);
    const data = files.get(path);
    if (data === undefined) {
      res.writeHead(404).end();
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range !== null) {
      const start = Number(range[1]);
      res.writeHead(206, { 'content-range': `bytes ${start}-${data.length - 1}/${data.length}`, 'content-length': data.length - start });
      res.end(data.subarray(start));
      return;
    }
    res.writeHead(200, { 'content-length': data.length }).end(data);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/debian`,
    requests,
    files,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
