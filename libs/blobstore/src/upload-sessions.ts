import type { Digest } from '@actiond/digest';
import { ActiondError } from '@actiond/status';
import type { BlobAccess, BlobWrite } from './blob-access.ts';

/** Limits for {@link UploadSessions}. */
export interface UploadSessionsOptions {
  /** An upload untouched this long is abandoned: aborted and forgotten. 15 minutes by default. */
  readonly idleTimeoutMs?: number;
  /** Uploads in progress at once (each holds an open temp file); more is RESOURCE_EXHAUSTED. 1024 by default. */
  readonly maxSessions?: number;
  /** Clock in milliseconds; tests substitute their own. */
  readonly now?: () => number;
}

/** What ByteStream QueryWriteStatus reports. */
export interface WriteStatus {
  readonly committedSize: number;
  readonly complete: boolean;
}

interface Entry {
  readonly digest: Digest;
  readonly ready: Promise<UploadSession>;
  session?: UploadSession;
}

/**
 * Resumable ByteStream uploads: a {@link BlobWrite} per upload id (the `{uuid}` of
 * `uploads/{uuid}/blobs/...`) that outlives the Write stream that started it, so a
 * client whose stream broke can ask QueryWriteStatus for the committed size and
 * continue from there in a new stream. Sessions live in memory: they survive
 * streams, not restarts (after a restart QueryWriteStatus says NOT_FOUND and the
 * client starts over; the temp file is swept at open).
 *
 * Abandoned sessions (no write for `idleTimeoutMs`, nothing in progress) are aborted
 * whenever a session is opened or {@link UploadSessions.expireIdle} runs.
 */
export class UploadSessions {
  readonly #blobs: BlobAccess;
  readonly #idleTimeoutMs: number;
  readonly #maxSessions: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(blobs: BlobAccess, options: UploadSessionsOptions = {}) {
    this.#blobs = blobs;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 15 * 60 * 1000;
    this.#maxSessions = options.maxSessions ?? 1024;
    this.#now = options.now ?? Date.now;
  }

  /** Uploads in progress. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The session for `uploadId`, started at offset 0 if it is new. INVALID_ARGUMENT
   * if the id is already uploading a different digest; RESOURCE_EXHAUSTED if too many
   * uploads are in progress. If the blob is already stored the session is complete
   * from the start (the Write may finish early with committed_size = size).
   */
  async open(uploadId: string, digest: Digest): Promise<UploadSession> {
    await this.expireIdle();
    let entry = this.#entries.get(uploadId);
    if (entry === undefined) {
      if (this.#entries.size >= this.#maxSessions) {
        throw ActiondError.resourceExhausted(
          `too many uploads in progress (${this.#maxSessions}); retry upload ${uploadId} later`,
        );
      }
      entry = this.#start(uploadId, digest);
    }
    if (!entry.digest.equals(digest)) {
      throw ActiondError.invalidArgument(
        `upload ${uploadId} is for blob ${entry.digest}, not ${digest}`,
      );
    }
    const session = await entry.ready;
    session.touch();
    return session;
  }

  /**
   * ByteStream QueryWriteStatus: the committed size of an upload in progress, or the
   * full size if the blob is stored. NOT_FOUND for an id that is not uploading a blob
   * that is not stored (never started, failed, expired or lost in a restart).
   */
  async queryWriteStatus(uploadId: string, digest: Digest): Promise<WriteStatus> {
    const entry = this.#entries.get(uploadId);
    if (entry !== undefined) {
      if (!entry.digest.equals(digest)) {
        throw ActiondError.invalidArgument(`upload ${uploadId} is for blob ${entry.digest}, not ${digest}`);
      }
      const session = await entry.ready;
      return { committedSize: session.committedSize, complete: session.complete };
    }
    const missing = await this.#blobs.findMissing([digest]);
    if (missing.size === 0) return { committedSize: digest.sizeBytes, complete: true };
    throw ActiondError.notFound(`upload ${uploadId} of blob ${digest} is not in progress`);
  }

  /** Aborts sessions idle longer than the timeout and not busy; returns how many. */
  async expireIdle(): Promise<number> {
    const deadline = this.#now() - this.#idleTimeoutMs;
    const expired: UploadSession[] = [];
    for (const entry of this.#entries.values()) {
      const session = entry.session;
      if (session !== undefined && session.idleSince(deadline)) expired.push(session);
    }
    await Promise.all(expired.map((session) => session.abort()));
    return expired.length;
  }

  /** Aborts every session (server shutdown). */
  async close(): Promise<void> {
    const sessions = await Promise.all([...this.#entries.values()].map((entry) => entry.ready.catch(() => undefined)));
    await Promise.all(sessions.map((session) => session?.abort()));
  }

  /** Registers the upload before its temp file exists, so a concurrent open of the same id joins it. */
  #start(uploadId: string, digest: Digest): Entry {
    let entry: Entry | undefined;
    const ready = this.#blobs.beginWrite(digest).then((write) => {
      const session = new UploadSession(uploadId, write, this.#now, () => this.#forget(uploadId, session));
      if (entry !== undefined) entry.session = session;
      if (session.complete) this.#forget(uploadId, session);
      return session;
    });
    entry = { digest, ready };
    this.#entries.set(uploadId, entry);
    const started = entry;
    ready.catch(() => {
      if (this.#entries.get(uploadId) === started) this.#entries.delete(uploadId);
    });
    return entry;
  }

  #forget(uploadId: string, session: UploadSession): void {
    if (this.#entries.get(uploadId)?.session === session) this.#entries.delete(uploadId);
  }
}

/**
 * One resumable upload. ByteStream rules: every write's offset must equal
 * {@link UploadSession.committedSize} (what QueryWriteStatus reported), `finish`
 * corresponds to `finish_write`. A session that completes or fails leaves its
 * registry; a failed one must be restarted under a new upload id.
 */
export class UploadSession {
  /** The ByteStream upload id. */
  readonly uploadId: string;
  readonly #write: BlobWrite;
  readonly #now: () => number;
  readonly #onDone: () => void;
  #lastActivity: number;
  #busy = 0;

  constructor(uploadId: string, write: BlobWrite, now: () => number, onDone: () => void) {
    this.uploadId = uploadId;
    this.#write = write;
    this.#now = now;
    this.#onDone = onDone;
    this.#lastActivity = now();
  }

  /** The blob being uploaded. */
  get digest(): Digest {
    return this.#write.digest;
  }

  /** Bytes accepted so far; the full size once complete. */
  get committedSize(): number {
    return this.#write.committedSize;
  }

  /** True once the blob is stored (possibly before any byte was sent). */
  get complete(): boolean {
    return this.#write.complete;
  }

  /**
   * Appends `data` at `offset`, which must equal the committed size (else
   * INVALID_ARGUMENT, the session stays usable). Ignored once complete. Any other
   * failure (too many bytes, disk errors) ends the session.
   */
  write(data: Uint8Array, offset: number): Promise<void> {
    return this.#track(async () => {
      try {
        await this.#write.write(data, offset);
      } catch (err) {
        if (this.#write.aborted) this.#onDone();
        throw err;
      }
    });
  }

  /** Verifies and stores the blob (`finish_write`); the session ends whatever the outcome. */
  finish(): Promise<void> {
    return this.#track(async () => {
      try {
        await this.#write.commit();
      } finally {
        this.#onDone();
      }
    });
  }

  /** Discards the upload and ends the session. */
  abort(): Promise<void> {
    return this.#track(async () => {
      try {
        await this.#write.abort();
      } finally {
        this.#onDone();
      }
    });
  }

  /** Marks activity now (a stream referenced this session). */
  touch(): void {
    this.#lastActivity = this.#now();
  }

  /** True if nothing is in progress and the last activity was before `deadline`. */
  idleSince(deadline: number): boolean {
    return this.#busy === 0 && this.#lastActivity < deadline;
  }

  async #track<T>(op: () => Promise<T>): Promise<T> {
    this.#busy++;
    this.touch();
    try {
      return await op();
    } finally {
      this.#busy--;
      this.touch();
    }
  }
}
