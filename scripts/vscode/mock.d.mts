export interface MockProcess {
  url: string;
  pid: number;
  requests(): Promise<
    Array<{
      seq: number;
      method: string;
      path: string;
      headers: Record<string, string>;
      body: any;
      aborted: boolean;
      finished: boolean;
    }>
  >;
  reset(): Promise<void>;
  stop(): Promise<void>;
}
export declare function startMock(options?: {
  env?: Record<string, string>;
  log?: (line: string) => void;
  timeoutMs?: number;
}): Promise<MockProcess>;
