// What the HTTP server reads about the worker. server/ imports nothing of floe
// but errors/log, so the worker implements this interface and cli.ts hands it over.

/**
 * The worker's health as seen by Kubernetes probes.
 *
 * - `live()` is false only when the process is wedged and a restart would help
 *   (e.g. the poll loop has stopped making progress); a slow commit or a broker
 *   outage is not a reason to be restarted, so keep it true then.
 * - `ready()` is true once the worker has joined the consumer group and loaded
 *   the tables of its assigned partitions, and false again as soon as a graceful
 *   shutdown starts.
 * - `describe()` is a JSON-serializable snapshot for humans (served on /status).
 */
export interface WorkerStatus {
  ready(): boolean;
  live(): boolean;
  describe(): object;
}

/** A status whose answers are set by hand: for tests and for the start-up window before the worker exists. */
export class SettableWorkerStatus implements WorkerStatus {
  #ready = false;
  #live = true;
  #details: () => object = () => ({});

  ready(): boolean {
    return this.#ready;
  }

  live(): boolean {
    return this.#live;
  }

  describe(): object {
    return { ready: this.#ready, live: this.#live, ...this.#details() };
  }

  setReady(ready: boolean): void {
    this.#ready = ready;
  }

  setLive(live: boolean): void {
    this.#live = live;
  }

  /**
   * What describe() adds to ready and live: a snapshot, or a function read at
   * each request (the worker's state, built only when someone asks).
   */
  setDetails(details: Record<string, unknown> | (() => object)): void {
    if (typeof details === 'function') {
      this.#details = details;
    } else {
      const snapshot = { ...details };
      this.#details = () => snapshot;
    }
  }
}
