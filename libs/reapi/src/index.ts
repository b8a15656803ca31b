/**
 * @actiond/reapi: REAPI request checks shared by the services: instance
 * names, request digests and digest functions, and the Directory tree walker
 * with its cache. A lib rather than part of cas-service so that the
 * scheduler, ActionCache, Capabilities and sandbox runner need not depend on
 * a service package to check a request or walk an input root.
 */
export { InstanceNames, instanceNameProblem, RESERVED_INSTANCE_NAME_SEGMENTS } from './instance-names.ts';
export { digestFunctionName, requestDigestFunction } from './request-digest-function.ts';
export { parseRequestDigest } from './request-digest.ts';
export { TreeWalker, type TreeWalkOptions, type WalkedDirectory } from './tree-walker.ts';
export { DirectoryCache } from './directory-cache.ts';
