/** @actiond/darwin_actiond: its command line, for tests and docs; main.ts is the process entry. */
export { darwinActiondCli } from './command-line.ts';
