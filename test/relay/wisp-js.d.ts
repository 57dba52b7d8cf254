// The parts of @mercuryworkshop/wisp-js (untyped JavaScript) the interop tests use.
declare module '@mercuryworkshop/wisp-js' {
  import type { IncomingMessage } from 'node:http';
  import type { Duplex } from 'node:stream';
  export const client: {
    ClientConnection: new (
      url: string,
      options?: { wisp_version?: 1 | 2 },
    ) => {
      onopen: () => void;
      onerror: () => void;
      create_stream(host: string, port: number, type: 'tcp' | 'udp'): unknown;
      close(): void;
    };
  };
  export const server: {
    options: Record<string, unknown>;
    routeRequest(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  };
}
declare module '@mercuryworkshop/wisp-js/server' {
  export const logging: { set_level(level: number): void; NONE: number };
}
