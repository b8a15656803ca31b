/** How one run of actiond-sandbox ended, and what it wrote besides the action's own output. */
export interface HelperExit {
  /** The helper's exit status; null when a signal killed the helper itself. */
  readonly exitCode: number | null;
  /** The signal that killed the helper, or null. */
  readonly signal: NodeJS.Signals | null;
  /** Everything the helper wrote to its fd 3 (the --status-fd of the plan). */
  readonly statusText: string;
  /** Everything it wrote to stderr (its setup errors, prefixed `actiond-sandbox: `). */
  readonly stderr: string;
}

/** One started run of the helper. */
export interface LaunchedHelper {
  /**
   * Resolves once the helper has exited and its status and stderr were read
   * to the end. Rejects only when the helper could not be started or the
   * launcher itself broke, with an Error saying how.
   */
  readonly exit: Promise<HelperExit>;
  /**
   * Sends the helper SIGTERM, which it forwards into the sandbox before
   * killing it (the server is shutting down). Ignored once the run ended.
   */
  terminate(): void;
}

/**
 * Starts actiond-sandbox processes for {@link LinuxSandboxRunner}: with
 * `args` (the helper's arguments, its path not included), stdin and stdout
 * at /dev/null, stderr and fd 3 each a pipe the launcher reads. Two ways:
 * a child of the server per run ({@link SpawningSandboxHelperLauncher}),
 * or a child of one long-lived `actiond-sandbox --launcher` process
 * ({@link ForkServerSandboxHelperLauncher}), which spares the server a
 * fork of itself per action.
 */
export interface SandboxHelperLauncher {
  launch(args: readonly string[]): LaunchedHelper;
}
