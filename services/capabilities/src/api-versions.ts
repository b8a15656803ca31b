import type { semver } from '@actiond/proto';

/**
 * The oldest REAPI version we serve, and the oldest we accept at all
 * (`deprecated_api_version`): 2.0, which is what Bazel 4.2.3 speaks. Bazel
 * refuses a server whose range does not contain its own version, so this
 * must stay 2.0 while Bazel 4 is a client.
 */
export const LOW_API_VERSION: Readonly<semver.SemVer> = Object.freeze({ major: 2, minor: 0, patch: 0, prerelease: '' });

/**
 * The newest REAPI version we claim: 2.3. What each minor version changed,
 * from the specification, and why we may claim it:
 * - 2.1: `Command.output_paths` supersedes `output_files`/`output_directories`,
 *   and results report symlinks in `ActionResult.output_symlinks`. The cache
 *   stores and serves either form as sent; the executor reads `output_paths`
 *   when present and the legacy fields otherwise.
 * - 2.2: platform properties move to `Action.platform`, preferred over the
 *   deprecated `Command.platform` (still the only one Bazel 4 sets).
 * - 2.3: `arguments[0]` without a slash is looked up through PATH and a
 *   relative one resolves against the working directory (older versions
 *   said: no PATH lookup, relative to the input root); also
 *   `ExecutedActionMetadata.virtual_execution_duration`, which is optional.
 * Later minor versions add features (newer digest functions, blob
 * splitting, output directory formats, ...) that we do not offer, so we stop
 * at 2.3. The executor, once composed, must keep the 2.1-2.3 rules above.
 */
export const HIGH_API_VERSION: Readonly<semver.SemVer> = Object.freeze({ major: 2, minor: 3, patch: 0, prerelease: '' });
