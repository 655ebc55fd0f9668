// The part of autocannon 9's programmatic API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    type Request = { method?: string; path?: string; headers?: Record<string, string>; body?: string };

    interface Client {
      setRequests(requests: Request[]): void;
    }

    type Options = {
      url: string;
      connections?: number;
      duration?: number;
      /** Seconds before a request counts as timed out (default 10). */
      timeout?: number;
      headers?: Record<string, string>;
      /** Replace `[<id>]` in every request with a fresh unique id. */
      idReplacement?: boolean;
      requests?: Request[];
      setupClient?: (client: Client) => void;
    };

    type Histogram = { average: number; mean: number; stddev: number; min: number; max: number; total: number; p50: number; p99: number };

    type Result = {
      duration: number;
      start: Date;
      finish: Date;
      errors: number;
      timeouts: number;
      non2xx: number;
      '2xx': number;
      statusCodeStats: Record<string, { count: number }>;
      latency: Histogram;
      requests: Histogram & { sent: number };
    };

    interface Instance extends EventEmitter {
      stop(): void;
      on(event: 'response', listener: (client: Client, statusCode: number, bytes: number, responseTimeMs: number) => void): this;
    }
  }

  function autocannon(options: autocannon.Options, done: (error: Error | null, result: autocannon.Result) => void): autocannon.Instance;

  export = autocannon;
}
