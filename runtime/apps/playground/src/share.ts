// Share links: the page state (the cells' sources and the training settings)
// as JSON, deflated (CompressionStream 'deflate-raw') and base64url-encoded
// into the URL's hash, `#s=…`. Browsers without CompressionStream get an
// uncompressed `#u=…` link, which every version reads.

export interface SharedState {
  /** Source of cell A (the main editor). */
  readonly a: string;
  /** Source of cell B when side-by-side comparison is on. */
  readonly b?: string;
  readonly task?: string;
  readonly sizes?: string;
  readonly T?: number;
  readonly B?: number;
  readonly steps?: number;
  readonly lr?: number;
  readonly seed?: number;
}

export function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function pipe(bytes: Uint8Array, stream: GenericTransformStream): Promise<Uint8Array> {
  const body = new Blob([bytes as BlobPart]).stream().pipeThrough(stream as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
  return new Uint8Array(await new Response(body).arrayBuffer());
}

const hasCompression = () => typeof CompressionStream === 'function' && typeof DecompressionStream === 'function';

/** The hash fragment (with its '#') that encodes `state`. */
export async function encodeState(state: SharedState): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(state));
  if (!hasCompression()) return `#u=${toBase64Url(json)}`;
  return `#s=${toBase64Url(await pipe(json, new CompressionStream('deflate-raw')))}`;
}

/** The state in a hash fragment, or undefined when it holds none (or a damaged one). */
export async function decodeState(hash: string): Promise<SharedState | undefined> {
  const m = /^#?([su])=([A-Za-z0-9_-]*)$/.exec(hash.trim());
  if (!m) return undefined;
  try {
    const bytes = fromBase64Url(m[2]);
    const json = m[1] === 's' ? await pipe(bytes, new DecompressionStream('deflate-raw')) : bytes;
    const v = JSON.parse(new TextDecoder().decode(json)) as unknown;
    if (!v || typeof v !== 'object' || typeof (v as SharedState).a !== 'string') return undefined;
    return v as SharedState;
  } catch {
    return undefined;
  }
}
