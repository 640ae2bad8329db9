// Entry of the compaction rewrite thread (compaction-thread.ts): each job is one
// group rewritten by rewriteGroup, exactly as on the main thread, with a FileIO
// whose calls the main thread makes (compaction-thread-file-io.ts). The new
// DataFiles go back as data; an error goes back as its class, message and
// context (or, when the main thread's FileIO threw it, as the number of that call).
import { parentPort } from 'node:worker_threads';
import { rewriteGroup } from './compaction-rewrite.ts';
import { answered, mainErrorRef, ThreadFileIO } from './compaction-thread-file-io.ts';
import { crossError, type FromThread, type ToThread } from './compaction-thread-protocol.ts';
import { dutyCycle } from './duty-cycle.ts';

/**
 * The share of a core the rewrite may take: ingestion's commits come first
 * (duty-cycle.ts); a group takes about twice as long as at full speed.
 */
const REWRITE_SHARE = 0.5;
const pace = dutyCycle({ share: REWRITE_SHARE });

function post(message: FromThread, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(message, transfer);
}

async function rewrite(job: Extract<ToThread, { kind: 'rewrite' }>): Promise<void> {
  const io = new ThreadFileIO(job.job, post);
  try {
    const files = new Map(job.files.map((file) => [file.filePath, file]));
    const deletes = new Map(job.deletes);
    const { added, rows } = await rewriteGroup(io, job.metadata, job.group, files, deletes, undefined, pace);
    post({ kind: 'rewritten', job: job.job, added, rows });
  } catch (error) {
    post({ kind: 'failed', job: job.job, error: crossError(error, mainErrorRef(error)) });
  }
}

parentPort?.on('message', (message: ToThread) => {
  if (message.kind === 'rewrite') void rewrite(message);
  else answered(message);
});
