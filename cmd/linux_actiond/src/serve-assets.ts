import * as sea from 'node:sea';
import { embeddedServeAssets } from './embedded-serve-assets.ts';
import { repositoryServeAssets } from './repository-serve-assets.ts';

/**
 * The files `serve` runs with besides its own code: the sandbox helper and
 * the default runtime image. In a checkout they are build outputs in the
 * repository; in the standalone binary they are embedded and extracted.
 */
export interface ServeAssets {
  /**
   * The actiond-sandbox executable to pass to `sandboxHelperPath({ path })`;
   * undefined means the sandbox runner's own default (the checkout's build).
   */
  readonly sandboxHelper: string | undefined;
  /**
   * The runtime SquashFS image for this CPU to mount when neither
   * --runtime-image nor --runtime-root is given; undefined when there is none
   * (a checkout without `pnpm runtimes:build`, a standalone binary built with
   * --no-runtimes).
   */
  readonly defaultRuntimeImage: string | undefined;
}

/**
 * Finds the assets for a server whose --root is `root` (already created).
 * Inside the standalone binary (a Node single-executable application) its
 * embedded copies are extracted under `<root>/.standalone/`, once per
 * content; otherwise the repository's build outputs apply.
 */
export function locateServeAssets(root: string): Promise<ServeAssets> {
  return sea.isSea() ? embeddedServeAssets(root, sea) : Promise.resolve(repositoryServeAssets());
}
