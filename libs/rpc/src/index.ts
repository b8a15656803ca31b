export type { RpcContext } from './rpc-context.ts';
export { unary, type UnaryHandler } from './unary-method.ts';
export { serverStreaming, type ServerStreamingHandler } from './server-streaming-method.ts';
export { clientStreaming, type ClientStreamingHandler } from './client-streaming-method.ts';
export { bidiStreaming, type BidiStreamingHandler } from './bidi-streaming-method.ts';
export type { Send } from './response-sender.ts';
export type {
  BidiStreamingMethod,
  ClientStreamingMethod,
  RpcMethod,
  ServerStreamingMethod,
  UnaryMethod,
} from './rpc-method.ts';
export { implementService, type MethodFor, type ServiceHandlers } from './service-implementation.ts';
export { parseRequestMetadata, REQUEST_METADATA_HEADER } from './request-metadata.ts';
export { INSTANCE_NAME_ATTRIBUTE } from './call-lifecycle.ts';
export { clientStreamingRoute, serverStreamingRoute, unaryRoute, type RawMethodDefinition, type RawRoute } from './raw-route.ts';
export { installRawRoutes, RAW_ROUTE_HTTP2_SETTINGS, type RawRouteOptions } from './raw-route-dispatcher.ts';
export { frameGrpcMessage, GrpcMessageDecoder } from './grpc-message-decoder.ts';
export { releaseRequestBytes } from './request-buffer-pool.ts';
