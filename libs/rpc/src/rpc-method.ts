import type {
  handleBidiStreamingCall,
  handleClientStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
} from '@grpc/grpc-js';
import type { Telemetry } from '@actiond/telemetry';

/**
 * A handler adapted for one kind of gRPC method, waiting to learn its method
 * name and Telemetry from implementService. `Req` and `Res` tie it to the
 * method definition it may implement.
 */
export type RpcMethod<Req, Res> =
  | UnaryMethod<Req, Res>
  | ServerStreamingMethod<Req, Res>
  | ClientStreamingMethod<Req, Res>
  | BidiStreamingMethod<Req, Res>;

/** A handler made with unary(). */
export interface UnaryMethod<Req, Res> {
  readonly kind: 'unary';
  bind(method: string, telemetry: Telemetry): handleUnaryCall<Req, Res>;
}

/** A handler made with serverStreaming(). */
export interface ServerStreamingMethod<Req, Res> {
  readonly kind: 'server-streaming';
  bind(method: string, telemetry: Telemetry): handleServerStreamingCall<Req, Res>;
}

/** A handler made with clientStreaming(). */
export interface ClientStreamingMethod<Req, Res> {
  readonly kind: 'client-streaming';
  bind(method: string, telemetry: Telemetry): handleClientStreamingCall<Req, Res>;
}

/** A handler made with bidiStreaming(). */
export interface BidiStreamingMethod<Req, Res> {
  readonly kind: 'bidi-streaming';
  bind(method: string, telemetry: Telemetry): handleBidiStreamingCall<Req, Res>;
}
