import { command, defineCli, hostPortSchema, optionalFlag, pathSchema, repeatedFlag, valueFlag } from '@actiond/cli';
import { z } from 'zod';
import { executionFlags } from './execution-flags.ts';
import { ACTIOND_VERSION } from './version.ts';

/** Flags of `serve`; every one is documented in the README's flag table, keep the two in step. */
export const serveFlags = {
  listen: valueFlag(hostPortSchema(), {
    description: 'Address of the gRPC server (REAPI and ByteStream). Keep it on loopback: whoever reaches it can run code.',
    default: '127.0.0.1:8980',
  }),
  root: valueFlag(pathSchema(), {
    description: 'Directory for the CAS, the action cache and the work directories (one filesystem, so inputs are hardlinked, not copied).',
    default: '/tmp/actiond',
  }),
  instanceName: repeatedFlag(z.string(), {
    description: 'An instance name the server answers for (repeatable). Without it only the empty name is served.',
    valueName: 'NAME',
  }),
  metricsListen: optionalFlag(hostPortSchema(), {
    description: 'Serve Prometheus metrics at http://HOST:PORT/metrics.',
  }),
  otlpEndpoint: optionalFlag(z.string(), {
    description: 'Export traces and metrics over OTLP/gRPC to this http(s)://HOST:PORT (default: $OTEL_EXPORTER_OTLP_ENDPOINT when set).',
    valueName: 'URL',
  }),
  ...executionFlags,
};

/** The command line of `linux-actiond`. */
export const linuxActiondCli = defineCli({
  name: 'linux-actiond',
  version: ACTIOND_VERSION,
  description: 'A local, hermetic Remote Execution API (REAPI v2) worker and cache for Bazel.',
  commands: {
    serve: command({
      description: 'Serve REAPI (Execution, CAS, ByteStream, ActionCache, Capabilities) on --listen.',
      flags: serveFlags,
    }),
  },
});
