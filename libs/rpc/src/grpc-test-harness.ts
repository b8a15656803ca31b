// Test support, not exported: a real grpc-js server on 127.0.0.1:0 and
// promise wrappers around the generated clients.
import * as grpc from '@grpc/grpc-js';
import { createRecordingTelemetry, type RecordingTelemetry } from '@actiond/telemetry';

/** A running server and what the tests need to reach it. */
export interface TestServer {
  readonly address: string;
  readonly telemetry: RecordingTelemetry;
  close(): Promise<void>;
}

/** Starts a server on an ephemeral loopback port with the services `register` adds. */
export async function startTestServer(register: (server: grpc.Server, telemetry: RecordingTelemetry) => void): Promise<TestServer> {
  const telemetry = await createRecordingTelemetry();
  const server = new grpc.Server();
  register(server, telemetry);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    telemetry,
    close: async () => {
      server.forceShutdown();
      await telemetry.shutdown();
    },
  };
}

/** Resolves with the response or rejects with the ServiceError of a callback-style unary call. */
export function callUnary<Res>(start: (callback: (err: grpc.ServiceError | null, response?: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    start((err, response) => (err ? reject(err) : resolve(response as Res)));
  });
}

/** Everything a server stream delivered: the messages and how it ended. */
export interface StreamOutcome<Res> {
  readonly messages: Res[];
  readonly error: grpc.ServiceError | undefined;
  /** How many times the client saw a status; exactly once for a well-behaved server. */
  readonly statuses: number;
}

/** Reads a client-side response stream to its end. */
export function collectStream<Res>(stream: grpc.ClientReadableStream<Res>): Promise<StreamOutcome<Res>> {
  const messages: Res[] = [];
  let statuses = 0;
  let error: grpc.ServiceError | undefined;
  stream.on('data', (message: Res) => messages.push(message));
  stream.on('status', () => statuses++);
  stream.on('error', (err: grpc.ServiceError) => (error = err));
  // 'close' comes after both 'status' and 'error', whichever ends the stream.
  return new Promise((resolve) => stream.on('close', () => resolve({ messages, error, statuses })));
}

/** A promise with its resolve function, for handshakes between test and handler. */
export function signalPair<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
