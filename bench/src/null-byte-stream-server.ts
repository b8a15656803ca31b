/**
 * A ByteStream server that does no storage work, for the benchmark's
 * transport limit: Write counts and discards the bytes, Read streams a
 * preallocated buffer. Plain grpc-js handlers, the generated codecs of
 * @actiond/proto and the real server's message limit and read chunk size,
 * so what it measures is the cost of grpc-js and protobuf alone, with
 * none of actiond's (no RPC adapter, hashing, disk or telemetry).
 *
 * Run as `node null-byte-stream-server.ts`; it prints the same
 * "serving REAPI on host:port" line as linux-actiond and runs until
 * SIGTERM. Not a CAS: it checks nothing and stores nothing.
 */
import * as grpc from '@grpc/grpc-js';
import { READ_CHUNK_BYTES, RECOMMENDED_MAX_MESSAGE_BYTES } from '@actiond/cas-service';
import { bytestream } from '@actiond/proto';

const FILLER = Buffer.alloc(READ_CHUNK_BYTES, 0x5a);

/** The size at the end of `.../blobs/{hash}/{size}`; INVALID_ARGUMENT when there is none. */
function sizeOf(resourceName: string): number {
  const size = Number(/\/(\d+)$/.exec(resourceName)?.[1] ?? NaN);
  if (!Number.isSafeInteger(size)) {
    throw Object.assign(new Error(`resource name ${JSON.stringify(resourceName)} does not end in /{size}`), { code: grpc.status.INVALID_ARGUMENT });
  }
  return size;
}

const handlers: bytestream.ByteStreamServer = {
  write(call, callback) {
    let received = 0;
    call.on('data', (request: bytestream.WriteRequest) => (received += request.data.length));
    call.on('end', () => callback(null, { committedSize: received }));
    call.on('error', () => {}); // a cancelled upload needs no answer
  },
  read(call) {
    let size: number;
    try {
      size = sizeOf(call.request.resourceName);
    } catch (err) {
      call.emit('error', err);
      return;
    }
    let sent = 0;
    const pump = (): void => {
      while (sent < size) {
        const data = FILLER.subarray(0, Math.min(FILLER.length, size - sent));
        sent += data.length;
        if (!call.write({ data })) {
          call.once('drain', pump);
          return;
        }
      }
      call.end();
    };
    pump();
  },
  queryWriteStatus(_call, callback) {
    callback({ code: grpc.status.UNIMPLEMENTED, details: 'the null ByteStream server keeps no uploads' });
  },
};

const server = new grpc.Server({
  'grpc.max_receive_message_length': RECOMMENDED_MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': RECOMMENDED_MAX_MESSAGE_BYTES,
});
server.addService(bytestream.ByteStreamService, handlers);
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error !== null) {
    process.stderr.write(`null ByteStream server: cannot listen: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`null ByteStream server: serving REAPI on 127.0.0.1:${port}\n`);
});
process.once('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
