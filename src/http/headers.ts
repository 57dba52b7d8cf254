import type * as http from 'node:http';

/** Node's incoming headers as a `Headers`. */
export function toHeaders(raw: http.IncomingHttpHeaders): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
  }
  return h;
}

/** A `Headers` as Node takes them (Set-Cookie kept apart). */
export function groupHeaders(h: Headers): [string, string | string[]][] {
  const out: [string, string | string[]][] = [];
  h.forEach((v, k) => {
    if (k !== 'set-cookie') out.push([k, v]);
  });
  const cookies = h.getSetCookie();
  if (cookies.length > 0) out.push(['set-cookie', cookies]);
  return out;
}
