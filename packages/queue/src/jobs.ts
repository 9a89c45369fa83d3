import {
  UnrecoverableError,
  Worker,
  type Job,
  type JobsOptions,
  type Processor,
  type Queue,
  type WorkerOptions,
} from 'bullmq';
import { jobEntry, type JobData, type QueueName } from './catalog';

/** The queues a producer adds to: the runtime's `queues`, or an object with just those. */
export type Queues<Q extends QueueName = QueueName> = { readonly [K in Q]: Queue };

/**
 * Adds one job per payload to queue `name`, each with the catalog's job name, options and
 * job id (so adding a payload whose job still exists adds nothing). `options` overrides the
 * catalog's options, never the job id. Returns the jobs, in the payloads' order.
 */
export async function enqueue<Q extends QueueName>(
  queues: Queues<Q>,
  name: Q,
  payloads: readonly JobData<Q>[],
  options: Omit<JobsOptions, 'jobId'> = {},
): Promise<Job[]> {
  if (payloads.length === 0) return [];
  const entry = jobEntry(name);
  return queues[name].addBulk(
    payloads.map((data) => ({
      name: entry.name,
      data,
      opts: { ...entry.options, ...options, jobId: entry.jobId(data) },
    })),
  );
}

/**
 * What a worker runs for each job of queue Q: the payload, already validated against the
 * catalog, and the job itself (attempts, id; `token` to move it, as BullMQ's processors get).
 */
export type JobHandler<Q extends QueueName, R = unknown> = (
  data: JobData<Q>,
  job: Job,
  token?: string,
) => Promise<R>;

/**
 * A processor for queue `name` that validates each payload before `handler` sees it; a
 * malformed payload fails its job for good (retrying would not mend it).
 */
export function validated<Q extends QueueName>(name: Q, handler: JobHandler<Q>): Processor {
  const entry = jobEntry(name);
  return async (job, token) => {
    const parsed = entry.data.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(`malformed ${entry.name} job: ${parsed.error.message}`);
    }
    return handler(parsed.data, job, token);
  };
}

export interface ConsumerOptions extends WorkerOptions {
  /** required: a Worker without an error listener lets Redis errors go unseen */
  onError: (err: Error) => void;
  /** the queue's name in Redis when it is not the catalog's (a region's checks: checksQueueName) */
  queueName?: string;
}

/** A Worker over queue `name` that runs `handler` on validated payloads. */
export function createWorker<Q extends QueueName>(
  name: Q,
  handler: JobHandler<Q>,
  options: ConsumerOptions,
): Worker {
  const { onError, queueName, ...workerOptions } = options;
  const worker = new Worker(queueName ?? name, validated(name, handler), workerOptions);
  worker.on('error', onError);
  return worker;
}

/** The handlers of the queues a service consumes: one for each, none missing. */
export type JobHandlers<Q extends QueueName> = { [K in Q]: JobHandler<K> };

/**
 * One Worker per queue of `handlers`, with the same options but each queue's own
 * `concurrency`; `onError` is told which queue's worker failed.
 */
export function createWorkers<Q extends QueueName>(
  handlers: JobHandlers<Q>,
  options: Omit<ConsumerOptions, 'concurrency' | 'onError'> & {
    concurrency: { [K in Q]: number };
    onError: (queue: Q, err: Error) => void;
  },
): { [K in Q]: Worker } {
  const { concurrency, onError, ...common } = options;
  const names = Object.keys(handlers) as Q[];
  const workers = names.map(
    (name) =>
      [
        name,
        createWorker(name, handlers[name], {
          ...common,
          concurrency: concurrency[name],
          onError: (err) => onError(name, err),
        }),
      ] as const,
  );
  return Object.fromEntries(workers) as { [K in Q]: Worker };
}
