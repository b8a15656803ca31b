import { invalidArgument } from '@actiond/status';

/**
 * Path segments REAPI reserves: no instance name may contain them as a
 * segment, which is what lets a server find where the instance name ends in
 * a ByteStream resource name.
 */
export const RESERVED_INSTANCE_NAME_SEGMENTS: ReadonlySet<string> = new Set([
  'blobs',
  'uploads',
  'actions',
  'actionResults',
  'operations',
  'capabilities',
  'compressed-blobs',
]);

/**
 * The REAPI instance names one server serves, set by the cmd from its
 * configuration ({@link InstanceNames.DEFAULT} serves only `""`). Every
 * service checks the instance name of each request with
 * {@link InstanceNames.check}; an unknown name is INVALID_ARGUMENT naming it
 * and the served ones, so a misconfigured client learns what to use.
 */
export class InstanceNames {
  /** Serves only the empty instance name, what Bazel sends unless --remote_instance_name is set. */
  static readonly DEFAULT: InstanceNames = new InstanceNames(['']);

  readonly #names: ReadonlySet<string>;

  /**
   * Throws a RangeError for a name REAPI clients could not address: a leading,
   * trailing or doubled slash, a `.` or `..` segment, or a reserved segment
   * such as `blobs` (see {@link RESERVED_INSTANCE_NAME_SEGMENTS}); and for an
   * empty list.
   */
  constructor(names: Iterable<string>) {
    const set = new Set<string>();
    for (const name of names) {
      const problem = instanceNameProblem(name);
      if (problem !== undefined) throw new RangeError(`cannot serve instance name ${JSON.stringify(name)}: ${problem}`);
      set.add(name);
    }
    if (set.size === 0) throw new RangeError('a server must serve at least one instance name (the default is "")');
    this.#names = set;
    Object.freeze(this);
  }

  /** The served names, in configuration order. */
  get names(): readonly string[] {
    return [...this.#names];
  }

  /** True when `name` is served. */
  has(name: string): boolean {
    return this.#names.has(name);
  }

  /**
   * Throws INVALID_ARGUMENT unless `name` is served; `field` names where the
   * name came from (`instance_name`, or `resource_name` for ByteStream).
   */
  check(name: string, field = 'instance_name'): void {
    if (this.#names.has(name)) return;
    const served = this.names.map((n) => JSON.stringify(n)).join(', ');
    const message = `unknown instance name ${quote(name)}; this server serves ${this.#names.size === 1 ? 'only ' : ''}${served}`;
    throw invalidArgument(message, [{ field, description: message }]);
  }
}

/** Why `name` cannot be an instance name, or undefined if it can. */
export function instanceNameProblem(name: string): string | undefined {
  if (typeof name !== 'string') return 'it is not a string';
  if (name === '') return undefined;
  for (const segment of name.split('/')) {
    if (segment === '') return 'it has an empty path segment (a leading, trailing or doubled "/")';
    if (segment === '.' || segment === '..') return `it has a "${segment}" segment`;
    if (RESERVED_INSTANCE_NAME_SEGMENTS.has(segment)) return `"${segment}" is a reserved REAPI path segment`;
  }
  return undefined;
}

/** Quotes untrusted input for a message, cut short so a huge value cannot flood logs. */
function quote(value: string): string {
  const max = 200;
  return value.length <= max ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, max))}... (${value.length} characters)`;
}
