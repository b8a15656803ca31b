import { availableParallelism } from 'node:os';
import { booleanFlag, byteSizeSchema, durationSchema, optionalFlag, pathSchema, positiveIntegerSchema, valueFlag } from '@actiond/cli';
import { z } from 'zod';

/** A decimal number of CPU cores (`0.5`, `2`), as the `cpus` platform property takes it. */
const coresSchema = z
  .string()
  .transform((text, ctx) => {
    const cores = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || !(cores > 0)) {
      ctx.addIssue({ code: 'custom', message: `expected a positive number of cores, got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    return cores;
  });

/**
 * Flags of `serve` that configure execution. Every one is in the README's
 * flag table; keep the two in step.
 */
export const executionFlags = {
  execution: booleanFlag({
    description: 'Serve the Execution API and run actions in the Linux sandbox (needs root). --no-execution serves the cache only.',
    default: true,
  }),
  jobs: valueFlag(positiveIntegerSchema(), {
    description: 'Actions run at once; more wait in a queue ordered by ExecutionPolicy.priority.',
    default: String(availableParallelism()),
  }),
  defaultActionTimeout: valueFlag(durationSchema(), {
    description: 'Timeout of an action that asks for none (the run only: queueing and transfers excluded).',
    default: '15m',
  }),
  maxActionTimeout: valueFlag(durationSchema(), {
    description: 'Largest timeout an action may ask for; more is INVALID_ARGUMENT.',
    default: '1h',
  }),
  runtimeImage: optionalFlag(pathSchema(), {
    description: 'Runtime SquashFS image (one directory per libc runtime), mounted read-only once. Default: the image built by `pnpm runtimes:build` (or embedded in the standalone binary).',
  }),
  runtimeRoot: optionalFlag(pathSchema(), {
    description: 'Directory of already extracted or mounted runtimes, instead of --runtime-image.',
  }),
  defaultRuntime: optionalFlag(z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected a runtime name such as glibc2.36'), {
    description: 'Runtime for actions without a libc property. Default: none (such actions see no userland: static binaries only).',
    valueName: 'NAME',
  }),
  allowNetwork: booleanFlag({
    description: 'Let actions ask for the host network with the platform property network=host.',
  }),
  defaultMemory: valueFlag(byteSizeSchema(), {
    description: 'Memory limit of an action that asks for none (platform property memory).',
    default: '4Gi',
  }),
  maxMemory: optionalFlag(byteSizeSchema(), { description: 'Largest memory limit an action may ask for. Default: --default-memory.' }),
  defaultCpus: valueFlag(coresSchema, {
    description: 'CPU limit in cores of an action that asks for none (platform property cpus).',
    default: String(availableParallelism()),
    valueName: 'CORES',
  }),
  maxCpus: optionalFlag(coresSchema, { description: 'Largest CPU limit an action may ask for. Default: --default-cpus.', valueName: 'CORES' }),
  defaultPids: valueFlag(positiveIntegerSchema(), {
    description: 'Process limit of an action that asks for none (platform property pids).',
    default: '4096',
  }),
  maxPids: optionalFlag(positiveIntegerSchema(), { description: 'Largest process limit an action may ask for. Default: --default-pids.' }),
  sandboxUid: valueFlag(positiveIntegerSchema(), {
    description: 'Unprivileged uid actions run as (the runtime images name it nobody).',
    default: '65534',
    valueName: 'UID',
  }),
  sandboxGid: valueFlag(positiveIntegerSchema(), {
    description: 'Unprivileged gid actions run as (nogroup in the runtime images).',
    default: '65534',
    valueName: 'GID',
  }),
  keepFailedActions: booleanFlag({
    description: 'Keep the work directory of a failed action under <root>/exec for debugging.',
  }),
};
