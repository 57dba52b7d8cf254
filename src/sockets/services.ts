/**
 * Well-known service names guests may pass instead of a port (the host's
 * /etc/services is not consulted: the answer must not depend on the machine).
 */
export const SERVICE_PORTS: Readonly<Record<string, number>> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  http: 80,
  pop3: 110,
  imap: 143,
  https: 443,
  submission: 587,
  imaps: 993,
  mysql: 3306,
  postgresql: 5432,
  redis: 6379,
  'http-alt': 8080,
};

/** A port from a numeric or well-known service name, or undefined. */
export function servicePort(service: string): number | undefined {
  if (/^\d{1,5}$/.test(service)) {
    const n = Number(service);
    return n <= 65535 ? n : undefined;
  }
  return SERVICE_PORTS[service.toLowerCase()];
}
