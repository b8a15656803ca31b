/**
 * Resolves with the signal's name on the first SIGINT or SIGTERM. A second
 * signal while stopping falls through to Node's default (immediate exit), so
 * an operator can always get out of a stuck shutdown.
 */
export function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (name: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(name);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
