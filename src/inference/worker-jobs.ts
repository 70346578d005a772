/** One job handed to a worker thread: its caller's promise, the worker, the job's deadline. */
interface Job<S, A> {
  resolve: (answer: A) => void;
  reject: (e: Error) => void;
  slot: S;
  /** INFERENCE_JOB_TIMEOUT_MS */
  timer: NodeJS.Timeout;
}

/**
 * The jobs handed to the inference worker threads and not answered yet (inference-workers.ts):
 * their ids, each worker's count in flight, each job's deadline. Each job settles once: with its
 * answer, or with its worker's failure (a crash, a hang, the pool's close) — an answer that comes
 * after that finds no job and is dropped.
 */
export class WorkerJobs<S extends { inFlight: number }, A extends { id: number }> {
  private readonly jobs = new Map<number, Job<S, A>>();
  private lastId = 0;

  constructor(private readonly timeoutMs: number) {}

  /** The id of the next job (its request is built with it before add()). */
  nextId(): number {
    return ++this.lastId;
  }

  /** Job `id` goes to `slot` (`post` sends it); `late` runs if it has no answer at the deadline. */
  add(id: number, slot: S, post: () => void, late: () => void): Promise<A> {
    slot.inFlight++;
    return new Promise<A>((resolve, reject) => {
      const timer = setTimeout(late, this.timeoutMs);
      timer.unref();
      this.jobs.set(id, { resolve, reject, slot, timer });
      post();
    });
  }

  /** Settles the job `answer` is for; nothing when it has already failed (its worker wedged) or was never sent. */
  answer(answer: A): void {
    const job = this.jobs.get(answer.id);
    if (!job) return;
    this.jobs.delete(answer.id);
    clearTimeout(job.timer);
    job.slot.inFlight--;
    job.resolve(answer);
  }

  /** Fails every job of `slot` with `err`; how many there were. */
  failAll(slot: S, err: Error): number {
    let failed = 0;
    for (const [id, job] of this.jobs) {
      if (job.slot !== slot) continue;
      clearTimeout(job.timer);
      this.jobs.delete(id);
      job.reject(err);
      failed++;
    }
    return failed;
  }
}
