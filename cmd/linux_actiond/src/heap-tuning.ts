import { setFlagsFromString } from 'node:v8';

/**
 * When V8 starts incremental marking (a full garbage collection), in percent
 * of the old generation's current limit that is in use: a task at 80, at
 * once at 95.
 *
 * Why: by default V8 starts marking whenever the old generation's free room
 * below its limit is smaller than the young generation's capacity. This
 * server's old generation is small (about 20 MB live) and its limit only
 * about 24 MB above that, while the young generation grows to more than
 * that during a burst of Executes; so the default started a full collection
 * after every few Executes whether or not anything had accumulated
 * (`--trace-incremental-marking`: "Start (task)", about every 150 ms, the
 * heap staying at 16-22 MB). That was a third of the main thread's busy
 * time and about two thirds of the server's CPU per trivial Execute
 * (bench/RESULTS.md). With explicit triggers V8 collects when the old
 * generation has really grown. Both flags are read at every allocation
 * check, so setting them at startup takes effect.
 */
export const INCREMENTAL_MARKING_TRIGGERS = { soft: 80, hard: 95 } as const;

/** Applies {@link INCREMENTAL_MARKING_TRIGGERS} to this process's V8. Call once, first thing in `main`. */
export function tuneGarbageCollection(): void {
  setFlagsFromString(`--incremental-marking-soft-trigger=${INCREMENTAL_MARKING_TRIGGERS.soft}`);
  setFlagsFromString(`--incremental-marking-hard-trigger=${INCREMENTAL_MARKING_TRIGGERS.hard}`);
}
