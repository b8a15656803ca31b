import { status } from '@grpc/grpc-js';
import { rpc } from '@actiond/proto';

/**
 * A google.rpc.Status with code OK and nothing else, for the items of batch
 * responses (BatchUpdateBlobs, BatchReadBlobs) that succeeded. Clients read a
 * missing status as OK too, but REAPI peers set it explicitly.
 */
export function okStatus(): rpc.Status {
  return rpc.Status.create({ code: status.OK, message: '', details: [] });
}
